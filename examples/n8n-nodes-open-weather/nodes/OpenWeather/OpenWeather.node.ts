import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

/** Declarative node: n8n builds and sends every request from `routing`. */
export class OpenWeather implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Open Weather',
		name: 'openWeather',
		icon: 'file:openweather.svg',
		group: ['input'],
		version: 1,
		subtitle: '={{$parameter["operation"]}}',
		description: 'Current weather and forecasts',
		defaults: {
			name: 'Open Weather',
		},
		inputs: ['main'],
		outputs: ['main'],
		credentials: [
			{
				name: 'openWeatherApi',
				required: true,
			},
		],
		requestDefaults: {
			baseURL: 'https://api.openweathermap.org/data/2.5',
			headers: {
				Accept: 'application/json',
			},
		},
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Current Weather',
						value: 'current',
						action: 'Get the current weather',
						routing: { request: { method: 'GET', url: '/weather' } },
					},
					{
						name: 'Forecast',
						value: 'forecast',
						action: 'Get a 5 day forecast',
						routing: { request: { method: 'GET', url: '/forecast' } },
					},
				],
				default: 'current',
			},
			{
				displayName: 'City',
				name: 'city',
				type: 'string',
				default: '',
				required: true,
				routing: { send: { type: 'query', property: 'q' } },
			},
			{
				displayName: 'Units',
				name: 'units',
				type: 'options',
				options: [
					{ name: 'Metric', value: 'metric' },
					{ name: 'Imperial', value: 'imperial' },
				],
				default: 'metric',
				routing: { send: { type: 'query', property: 'units' } },
			},
		],
	};
}
