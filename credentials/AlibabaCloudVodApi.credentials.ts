import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

export const VOD_REGIONS = [
	{ name: 'China (Beijing) — cn-beijing, URL pull', value: 'cn-beijing' },
	{ name: 'China (Shanghai) — cn-shanghai, URL pull and job queries', value: 'cn-shanghai' },
	{ name: 'China (Shenzhen) — cn-shenzhen, URL pull', value: 'cn-shenzhen' },
	{ name: 'China (Hong Kong) — cn-hongkong', value: 'cn-hongkong' },
	{ name: 'Germany (Frankfurt) — eu-central-1', value: 'eu-central-1' },
	{ name: 'India (Mumbai) — ap-south-1', value: 'ap-south-1' },
	{ name: 'Indonesia (Jakarta) — ap-southeast-5', value: 'ap-southeast-5' },
	{ name: 'Japan (Tokyo) — ap-northeast-1', value: 'ap-northeast-1' },
	{ name: 'Singapore — ap-southeast-1, URL pull and job queries', value: 'ap-southeast-1' },
	{ name: 'US (Silicon Valley) — us-west-1, URL pull', value: 'us-west-1' },
];

export class AlibabaCloudVodApi implements ICredentialType {
	name = 'alibabaCloudVodApi';

	displayName = 'Alibaba Cloud API';

	icon: Icon = {
		light: 'file:../nodes/AlibabaCloudVod/alibabaCloudVod.svg',
		dark: 'file:../nodes/AlibabaCloudVod/alibabaCloudVod.dark.svg',
	};

	documentationUrl = 'https://www.alibabacloud.com/help/en/vod/developer-reference/api-vod-2017-03-21-overview';

	properties: INodeProperties[] = [
		{
			displayName: 'AccessKey ID',
			name: 'accessKeyId',
			type: 'string',
			required: true,
			default: '',
			description: 'The AccessKey ID of a RAM user (or the STS AccessKey ID) allowed to call VOD',
		},
		{
			displayName: 'AccessKey Secret',
			name: 'accessKeySecret',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
		},
		{
			displayName: 'Security Token',
			name: 'securityToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Only for temporary STS credentials: the SecurityToken returned with the STS AccessKey pair. Leave empty for a RAM user AccessKey.',
		},
		{
			displayName: 'Region',
			name: 'region',
			type: 'options',
			options: VOD_REGIONS,
			default: 'cn-shanghai',
			description:
				'The VOD region to work in. URL pull upload (UploadMediaByURL) runs in cn-shanghai, cn-beijing, cn-shenzhen, ap-southeast-1 and us-west-1; its job queries (GetURLUploadInfos) answer in cn-shanghai and ap-southeast-1 only.',
		},
		{
			displayName: 'Endpoint',
			name: 'endpoint',
			type: 'string',
			default: '',
			placeholder: 'e.g. vod.cn-shanghai.aliyuncs.com or 127.0.0.1:9100',
			description:
				'Optional host[:port] of the VOD API, for a private endpoint or the local emulator. Empty means vod.&lt;region&gt;.aliyuncs.com.',
		},
		{
			displayName: 'Protocol',
			name: 'protocol',
			type: 'options',
			options: [
				{ name: 'HTTPS', value: 'HTTPS' },
				{ name: 'HTTP (Local Emulator Only)', value: 'HTTP' },
			],
			default: 'HTTPS',
		},
	];
}
