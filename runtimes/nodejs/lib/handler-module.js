// Finds and loads the function's handler, named as Lambda names it:
// `<path/>file.export[.nested]`, the file relative to the code directory (the
// runtime's working directory) with .js, .mjs or .cjs, or a directory with an
// index. CommonJS is required; ES modules are imported. Failures carry the
// errorType and wording of Lambda's Node.js runtime, so users can search for them.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { StartupError } = require('./startup-error');

const EXTENSIONS = ['.js', '.mjs', '.cjs'];

function malformed(handler, why) {
  return new StartupError('Runtime.MalformedHandlerName', `bad handler ${JSON.stringify(handler)}: ${why} (expected <file>.<export>, e.g. index.handler)`);
}

/** Splits `dir/file.export.nested` into the module name and the property path. */
function parseHandlerName(handler) {
  const slash = handler.lastIndexOf('/');
  const base = handler.slice(slash + 1);
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) throw malformed(handler, 'it needs a file name and an export name');
  const moduleName = handler.slice(0, slash + 1) + base.slice(0, dot);
  const propertyPath = base.slice(dot + 1).split('.');
  if (propertyPath.includes('')) throw malformed(handler, 'an export name is empty');
  // The handler names code inside the function's package, never elsewhere.
  if (path.isAbsolute(moduleName) || moduleName.split('/').includes('..')) {
    throw malformed(handler, 'the file must be inside the code directory');
  }
  return { moduleName, propertyPath };
}

function isFile(file) {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDirectory(file) {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function findModuleFile(codeDir, moduleName) {
  const base = path.resolve(codeDir, moduleName);
  const withExtension = EXTENSIONS.map((extension) => base + extension).find(isFile);
  if (withExtension) return withExtension;
  // A directory (package.json main or index.js): require resolves it.
  if (isDirectory(base)) return base;
  // Lambda's wording (the text of require's error), then where we looked.
  throw new StartupError(
    'Runtime.ImportModuleError',
    `Error: Cannot find module '${moduleName}' (looked for ${EXTENSIONS.map((e) => moduleName + e).join(', ')} and a directory in ${codeDir})`,
  );
}

async function loadModule(file) {
  if (file.endsWith('.mjs')) return import(pathToFileURL(file).href);
  try {
    return require(file);
  } catch (error) {
    // An ES module with top-level await cannot be required; import it instead.
    if (error && (error.code === 'ERR_REQUIRE_ASYNC_MODULE' || error.code === 'ERR_REQUIRE_ESM')) {
      return import(pathToFileURL(file).href);
    }
    throw error;
  }
}

/**
 * What loading the module threw, as Lambda reports it: a syntax error or a
 * missing module as a StartupError whose message is the original error's text
 * (its stack, with the file and line, stays on as the cause); anything else
 * the module's own code threw as itself.
 */
function loadFailure(error) {
  if (error instanceof SyntaxError) return new StartupError('Runtime.UserCodeSyntaxError', describe(error), error);
  if (error && (error.code === 'MODULE_NOT_FOUND' || error.code === 'ERR_MODULE_NOT_FOUND')) {
    return new StartupError('Runtime.ImportModuleError', describe(error), error);
  }
  return error;
}

/** `Name: message` of an error; never throws, whatever was thrown. */
function describe(error) {
  try {
    return String(error);
  } catch {
    return 'an error whose text could not be read';
  }
}

/**
 * Loads the handler. Resolves with { handler, thisArg } (thisArg: the object
 * the handler was found on, the module for `file.export`); rejects with a
 * StartupError saying what is missing or broken, or with what the module's
 * own code threw while it loaded.
 */
async function loadHandler(handlerName, codeDir) {
  const { moduleName, propertyPath } = parseHandlerName(handlerName);
  const file = findModuleFile(codeDir, moduleName);
  let loaded;
  try {
    loaded = await loadModule(file);
  } catch (error) {
    throw loadFailure(error);
  }
  let owner = loaded;
  let handler = loaded;
  for (const property of propertyPath) {
    owner = handler;
    handler = owner === null || owner === undefined ? undefined : owner[property];
  }
  if (typeof handler !== 'function') {
    throw new StartupError('Runtime.HandlerNotFound', `${handlerName} is undefined or not exported (it is ${handler === null ? 'null' : typeof handler} in ${file})`);
  }
  return { handler, thisArg: owner };
}

module.exports = { loadHandler };
