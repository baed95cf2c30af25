// Every SQL statement the function store runs, prepared once per connection.
import type Database from 'better-sqlite3';
import type { AliasRow, VersionRow } from './configuration';

export interface FunctionRow {
  name: string;
  next_version: number;
}

export class Statements {
  readonly functionByName: Database.Statement<[string], FunctionRow>;
  readonly insertFunction: Database.Statement<[string, number]>;
  readonly setNextVersion: Database.Statement<[number, string]>;
  readonly deleteFunction: Database.Statement<[string]>;

  readonly version: Database.Statement<[string, number], VersionRow>;
  readonly newestPublished: Database.Statement<[string], VersionRow>;
  readonly insertVersion: Database.Statement<[VersionRow]>;
  readonly updateLatest: Database.Statement<[VersionRow]>;
  readonly setLatestRevision: Database.Statement<[string, string]>;
  readonly deleteVersion: Database.Statement<[string, number]>;
  readonly deleteVersions: Database.Statement<[string]>;
  readonly latestPage: Database.Statement<[string, number], VersionRow>;
  readonly versionPage: Database.Statement<[string, number, number], VersionRow>;
  readonly codeHashes: Database.Statement<[], string>;

  readonly alias: Database.Statement<[string, string], AliasRow>;
  readonly insertAlias: Database.Statement<[AliasRow]>;
  readonly updateAlias: Database.Statement<[AliasRow]>;
  readonly deleteAlias: Database.Statement<[string, string]>;
  readonly deleteAliases: Database.Statement<[string]>;
  readonly aliasesOfVersion: Database.Statement<[string, string, string], string>;
  readonly aliasPage: Database.Statement<[string, string, number], AliasRow>;
  readonly aliasPageOfVersion: Database.Statement<[string, string, string, number], AliasRow>;

  constructor(db: Database.Database) {
    this.functionByName = db.prepare('SELECT name, next_version FROM functions WHERE name = ?');
    this.insertFunction = db.prepare('INSERT INTO functions (name, next_version) VALUES (?, ?)');
    this.setNextVersion = db.prepare('UPDATE functions SET next_version = ? WHERE name = ?');
    this.deleteFunction = db.prepare('DELETE FROM functions WHERE name = ?');

    this.version = db.prepare('SELECT * FROM versions WHERE function_name = ? AND version = ?');
    this.newestPublished = db.prepare(
      'SELECT * FROM versions WHERE function_name = ? AND version > 0 ORDER BY version DESC LIMIT 1',
    );
    this.insertVersion = db.prepare(
      'INSERT INTO versions (function_name, version, runtime, role, handler, description, timeout, memory_size, ' +
        'environment, architecture, code_sha256, code_size, last_modified, revision_id, fingerprint) VALUES (@function_name, ' +
        '@version, @runtime, @role, @handler, @description, @timeout, @memory_size, @environment, @architecture, @code_sha256, ' +
        '@code_size, @last_modified, @revision_id, @fingerprint)',
    );
    // Only $LATEST (version 0) is ever updated: published versions are immutable.
    this.updateLatest = db.prepare(
      'UPDATE versions SET runtime = @runtime, role = @role, handler = @handler, description = @description, ' +
        'timeout = @timeout, memory_size = @memory_size, environment = @environment, architecture = @architecture, ' +
        'code_sha256 = @code_sha256, ' +
        'code_size = @code_size, last_modified = @last_modified, revision_id = @revision_id, fingerprint = @fingerprint ' +
        'WHERE function_name = @function_name AND version = 0',
    );
    this.setLatestRevision = db.prepare('UPDATE versions SET revision_id = ? WHERE function_name = ? AND version = 0');
    this.deleteVersion = db.prepare('DELETE FROM versions WHERE function_name = ? AND version = ? AND version > 0');
    this.deleteVersions = db.prepare('DELETE FROM versions WHERE function_name = ?');
    this.latestPage = db.prepare(
      'SELECT * FROM versions WHERE version = 0 AND function_name > ? ORDER BY function_name LIMIT ?',
    );
    this.versionPage = db.prepare(
      'SELECT * FROM versions WHERE function_name = ? AND version > ? ORDER BY version LIMIT ?',
    );
    this.codeHashes = db.prepare<[], string>('SELECT DISTINCT code_sha256 FROM versions').pluck();

    this.alias = db.prepare('SELECT * FROM aliases WHERE function_name = ? AND name = ?');
    this.insertAlias = db.prepare(
      'INSERT INTO aliases (function_name, name, function_version, description, additional_version, additional_weight, ' +
        'revision_id) VALUES (@function_name, @name, @function_version, @description, @additional_version, ' +
        '@additional_weight, @revision_id)',
    );
    this.updateAlias = db.prepare(
      'UPDATE aliases SET function_version = @function_version, description = @description, ' +
        'additional_version = @additional_version, additional_weight = @additional_weight, revision_id = @revision_id ' +
        'WHERE function_name = @function_name AND name = @name',
    );
    this.deleteAlias = db.prepare('DELETE FROM aliases WHERE function_name = ? AND name = ?');
    this.deleteAliases = db.prepare('DELETE FROM aliases WHERE function_name = ?');
    this.aliasesOfVersion = db
      .prepare<[string, string, string], string>(
        'SELECT name FROM aliases WHERE function_name = ? AND (function_version = ? OR additional_version = ?) ORDER BY name',
      )
      .pluck();
    this.aliasPage = db.prepare('SELECT * FROM aliases WHERE function_name = ? AND name > ? ORDER BY name LIMIT ?');
    this.aliasPageOfVersion = db.prepare(
      'SELECT * FROM aliases WHERE function_name = ? AND name > ? AND function_version = ? ORDER BY name LIMIT ?',
    );
  }
}
