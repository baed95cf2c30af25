// Lambda's management REST paths to operations (botocore's model), with
// percent-decoded names and 405 for a known path with another method.
import { describe, expect, it } from 'vitest';
import { isApiError } from '../src/api/api-error';
import { matchManagementPath, type ManagementRoute } from '../src/api/management-route';

const route = (method: string, url: string): ManagementRoute => {
  const r = matchManagementPath(method, url);
  if (r === undefined || isApiError(r)) throw new Error(`no route for ${method} ${url}: ${JSON.stringify(r)}`);
  return r;
};

describe('management routes', () => {
  it.each([
    ['POST', '/2015-03-31/functions', 'CreateFunction'],
    ['GET', '/2015-03-31/functions/?MaxItems=5', 'ListFunctions'],
    ['GET', '/2015-03-31/functions/f', 'GetFunction'],
    ['DELETE', '/2015-03-31/functions/f?Qualifier=2', 'DeleteFunction'],
    ['GET', '/2015-03-31/functions/f/configuration', 'GetFunctionConfiguration'],
    ['PUT', '/2015-03-31/functions/f/configuration', 'UpdateFunctionConfiguration'],
    ['PUT', '/2015-03-31/functions/f/code', 'UpdateFunctionCode'],
    ['POST', '/2015-03-31/functions/f/versions', 'PublishVersion'],
    ['GET', '/2015-03-31/functions/f/versions', 'ListVersionsByFunction'],
    ['POST', '/2015-03-31/functions/f/aliases', 'CreateAlias'],
    ['GET', '/2015-03-31/functions/f/aliases?FunctionVersion=1', 'ListAliases'],
    ['GET', '/2015-03-31/functions/f/aliases/PROD', 'GetAlias'],
    ['PUT', '/2015-03-31/functions/f/aliases/PROD', 'UpdateAlias'],
    ['DELETE', '/2015-03-31/functions/f/aliases/PROD', 'DeleteAlias'],
  ])('%s %s is %s', (method, url, operation) => {
    expect(route(method, url).operation).toBe(operation);
  });

  it('decodes the function and alias names and keeps the query', () => {
    const r = route('GET', '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af%3A%24LATEST/aliases/live?Marker=abc');
    expect(r.functionName).toBe('arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST');
    expect(r.aliasName).toBe('live');
    expect(r.query.get('Marker')).toBe('abc');
  });

  it('answers 405 with the allowed methods on a known path', () => {
    const r = matchManagementPath('PATCH', '/2015-03-31/functions/f/aliases/PROD');
    expect(r).toMatchObject({ status: 405, type: 'MethodNotAllowedException', headers: { Allow: 'GET, PUT, DELETE' } });
  });

  it('is undefined for paths that are not management operations', () => {
    expect(matchManagementPath('GET', '/2016-08-19/account-settings')).toBeUndefined();
    expect(matchManagementPath('GET', '/2015-03-31/functions/f/policy')).toBeUndefined();
    expect(matchManagementPath('GET', '/2015-03-31/functionsx')).toBeUndefined();
    // A dot segment would let a signed request for one path serve another.
    expect(matchManagementPath('DELETE', '/2015-03-31/functions/f/aliases/..')).toBeUndefined();
    expect(matchManagementPath('GET', '/2015-03-31/functions/f/%2E%2e/g')).toBeUndefined();
  });

  it('refuses a badly percent-encoded name', () => {
    expect(matchManagementPath('GET', '/2015-03-31/functions/%E0%A4%A')).toMatchObject({ status: 400, type: 'ValidationException' });
  });
});
