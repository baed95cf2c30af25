// nanolambda's public TypeScript API.
export { Runtime, type RuntimeOptions } from './runtime';
export type { InvokeOptions, InvokeResult, InvocationType, LogType, FunctionError, Invoker } from './invoke-types';
export { NanolambdaError, ConfigError, type ErrorCode } from './errors';
export type { GroupConfig, FunctionSpec, SubscriptionSpec } from './config/types';
export { loadGroupFile, parseGroup } from './config/load-group';
export type { PublishEvent } from './messaging/message-bus';
