// What the Lambda API's event source mapping operations need (the
// EventSourceManager provides it), and the EventSourceMappingConfiguration
// they answer with, shaped as botocore's model defines it.
import type { Mapping } from './mapping';
import { regionAndAccount } from './mapping';

export interface EventSourceMappingConfiguration {
  UUID: string;
  BatchSize: number;
  EventSourceArn: string;
  FunctionArn: string;
  /** Epoch seconds (the model's timestamp, as REST-JSON sends it). */
  LastModified: number;
  /** "No records processed", "OK", or "PROBLEM: <why the last event could not be sent>". */
  LastProcessingResult: string;
  State: 'Enabled' | 'Disabled' | 'Deleting';
  StateTransitionReason: string;
  EventSourceMappingArn: string;
}

export interface ListMappingsQuery {
  functionName?: string;
  eventSourceArn?: string;
  marker?: string;
  maxItems?: string;
}

export interface MappingList {
  EventSourceMappings: EventSourceMappingConfiguration[];
  NextMarker?: string;
}

/** Each throws LambdaApiError (ResourceNotFoundException 404, InvalidParameterValueException 400, ResourceConflictException 409, ValidationException 400). */
export interface EventSourceMappings {
  createMapping(body: Record<string, unknown>): EventSourceMappingConfiguration;
  listMappings(query: ListMappingsQuery): MappingList;
  getMapping(uuid: string): EventSourceMappingConfiguration;
  updateMapping(uuid: string, body: Record<string, unknown>): EventSourceMappingConfiguration;
  deleteMapping(uuid: string): EventSourceMappingConfiguration;
}

export function mappingConfiguration(mapping: Mapping, lastProcessingResult: string, deleting = false): EventSourceMappingConfiguration {
  const { region, account } = regionAndAccount(mapping.functionArn);
  return {
    UUID: mapping.uuid,
    BatchSize: 1,
    EventSourceArn: mapping.eventSourceArn,
    FunctionArn: mapping.functionArn,
    LastModified: mapping.lastModifiedMs / 1000,
    LastProcessingResult: lastProcessingResult,
    State: deleting ? 'Deleting' : mapping.enabled ? 'Enabled' : 'Disabled',
    StateTransitionReason:
      mapping.origin.kind === 'config' ? `Defined in the group file: Nanolambda.EventSources Id "${mapping.origin.id}"` : 'USER_INITIATED',
    EventSourceMappingArn: `arn:aws:lambda:${region}:${account}:event-source-mapping:${mapping.uuid}`,
  };
}
