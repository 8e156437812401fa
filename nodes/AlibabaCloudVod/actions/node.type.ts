import type { AllEntities } from 'n8n-workflow';

type NodeMap = {
	urlUpload: 'submit' | 'cancel';
	upload: 'uploadBinary' | 'uploadFromUrl' | 'uploadImage' | 'uploadAttachedMedia';
	media: 'get' | 'getSourceFile' | 'getPlayInfo' | 'search' | 'register' | 'deleteMedia';
};

export type AlibabaCloudVodType = AllEntities<NodeMap>;
