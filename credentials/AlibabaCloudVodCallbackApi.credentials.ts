import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

export class AlibabaCloudVodCallbackApi implements ICredentialType {
	name = 'alibabaCloudVodCallbackApi';

	displayName = 'Alibaba Cloud VOD Callback API';

	icon: Icon = {
		light: 'file:../nodes/AlibabaCloudVod/alibabaCloudVod.svg',
		dark: 'file:../nodes/AlibabaCloudVod/alibabaCloudVod.dark.svg',
	};

	documentationUrl = 'https://www.alibabacloud.com/help/en/vod/user-guide/http-callbacks';

	properties: INodeProperties[] = [
		{
			displayName: 'Callback Auth Key',
			name: 'authKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				'The authentication key set for HTTP callbacks in the VOD console (Callback Settings → Callback Authentication) or with SetMessageCallback AuthKey: up to 32 letters and digits',
		},
		{
			displayName: 'Previous Auth Key',
			name: 'previousAuthKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'While rotating the key: the key VOD may still sign with. Callbacks signed with either key are accepted. Clear it once the rotation is done.',
		},
	];
}
