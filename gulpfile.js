const { finished } = require('stream/promises');
const { task, src, dest } = require('gulp');

// tsc emits only JavaScript: the icons the descriptions point at are copied next to the compiled files.
async function copyIcons() {
	await Promise.all(
		['nodes', 'credentials'].map((dir) =>
			finished(src(`${dir}/**/*.{png,svg}`, { encoding: false }).pipe(dest(`dist/${dir}`))),
		),
	);
}

task('build:icons', copyIcons);
