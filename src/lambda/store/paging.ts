// Marker/MaxItems paging for ListFunctions, ListVersionsByFunction and
// ListAliases. A marker is the key of the last item returned (a function
// name, a version number, an alias name) in base64url: opaque to clients, and
// a page after a deleted item still starts at the right place, because the
// next page is "keys after this one", not "items after position N".
import { invalidParameter } from './lambda-api-error';
import { asInteger, Violations } from './violations';

/** Lambda returns at most 50 items per page, whatever MaxItems asks. */
export const MAX_PAGE_SIZE = 50;
export const MAX_ITEMS_LIMIT = 10000;

/** The page size for a MaxItems parameter (a number, or the query string's text). */
export function pageSize(maxItems: unknown): number {
  if (maxItems === undefined || maxItems === null) return MAX_PAGE_SIZE;
  const violations = new Violations();
  const n = asInteger(maxItems);
  if (n === undefined) violations.add(maxItems, 'maxItems', 'Member must be an integer');
  else if (n < 1) violations.add(maxItems, 'maxItems', 'Member must have value greater than or equal to 1');
  else if (n > MAX_ITEMS_LIMIT) {
    violations.add(maxItems, 'maxItems', `Member must have value less than or equal to ${MAX_ITEMS_LIMIT}`);
  }
  violations.throwIfAny();
  return Math.min(n!, MAX_PAGE_SIZE);
}

export function encodeMarker(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

/**
 * The key inside a marker, or undefined for no marker (the first page).
 * `valid` says whether a decoded key could be one this list returned.
 */
export function decodeMarker(marker: unknown, valid: (key: string) => boolean): string | undefined {
  if (marker === undefined || marker === null || marker === '') return undefined;
  if (typeof marker === 'string') {
    const key = Buffer.from(marker, 'base64url').toString('utf8');
    if (key.length > 0 && encodeMarker(key) === marker && valid(key)) return key;
  }
  throw invalidParameter(
    `Invalid Marker '${String(marker)}': pass the NextMarker of the previous page unchanged, ` +
      'or no Marker to start from the first item',
  );
}
