import type { Operation } from '../context';
import { errors } from '../errors';

const AUTH_KEY = /^[A-Za-z0-9]{1,32}$/;

export const SetMessageCallback: Operation = (ctx) => {
	const { params, store } = ctx;
	const settings = store.messageCallback;
	const type = params.get('CallbackType');
	if (type !== undefined) {
		if (type !== 'HTTP' && type !== 'MNS') throw errors.invalidParameter('CallbackType', 'Use HTTP or MNS.');
		settings.CallbackType = type;
	}
	const url = params.get('CallbackURL');
	if (url !== undefined) {
		if (Buffer.byteLength(url) > 256 || !/^https?:\/\//i.test(url)) throw errors.invalidParameter('CallbackURL');
		settings.CallbackURL = url;
	}
	const events = params.get('EventTypeList');
	if (events !== undefined) settings.EventTypeList = events;
	const authSwitch = params.get('AuthSwitch');
	if (authSwitch !== undefined) {
		if (authSwitch !== 'on' && authSwitch !== 'off') throw errors.invalidParameter('AuthSwitch', 'Use on or off.');
		settings.AuthSwitch = authSwitch;
	}
	const authKey = params.get('AuthKey');
	if (authKey !== undefined) {
		if (!AUTH_KEY.test(authKey)) throw errors.invalidParameter('AuthKey', 'Up to 32 letters and digits.');
		settings.AuthKey = authKey;
	}
	for (const name of ['AppId', 'MnsEndpoint', 'MnsQueueName'] as const) {
		const value = params.get(name);
		if (value !== undefined) settings[name] = value;
	}
	return {};
};

export const GetMessageCallback: Operation = (ctx) => {
	const s = ctx.store.messageCallback;
	return {
		MessageCallback: {
			CallbackType: s.CallbackType,
			CallbackURL: s.CallbackURL,
			EventTypeList: s.EventTypeList,
			AuthSwitch: s.AuthSwitch,
			AuthKey: s.AuthKey,
			AppId: s.AppId ?? 'app-1000000',
			MnsEndpoint: s.MnsEndpoint,
			MnsQueueName: s.MnsQueueName,
		},
	};
};
