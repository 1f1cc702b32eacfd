import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

export class OpenWeatherApi implements ICredentialType {
	name = 'openWeatherApi';

	displayName = 'Open Weather API';

	documentationUrl = 'https://openweathermap.org/appid';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			qs: {
				appid: '={{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: 'https://api.openweathermap.org/data/2.5',
			url: '/weather',
			qs: { q: 'London' },
		},
	};
}
