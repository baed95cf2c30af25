// The runtime's own log (Greengrass keeps one per system component under
// log/system/): <LogDir>/system/runtime.log, one line per message,
// `[time][LEVEL]-component: message`, rotated like the function logs.
// Messages below the configured level cost a comparison and nothing else,
// so hot paths may log at debug (an unrouted message, say) freely.
// Warnings and errors also go to process warnings: a user running
// `nanolambda start` in a terminal sees them without opening the file.
import path from 'node:path';
import { RotatingLogFile, type LogRotation } from './log-file';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/** What components log through: the component is named once, by the caller that made it. */
export interface ComponentLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export class SystemLog {
  private readonly file: RotatingLogFile;
  private readonly minRank: number;
  /** Lines the file refused (disk full, ...): counted once per failure streak, never thrown at a caller. */
  private failing = false;

  constructor(logDir: string, rotation: LogRotation, level: LogLevel) {
    this.file = new RotatingLogFile(SystemLog.pathIn(logDir), rotation);
    this.minRank = LOG_LEVELS.indexOf(level);
  }

  static pathIn(logDir: string): string {
    return path.join(logDir, 'system', 'runtime.log');
  }

  /** A logger that names `component` in each of its lines. */
  component(component: string): ComponentLog {
    return {
      debug: (message) => this.write('DEBUG', component, message),
      info: (message) => this.write('INFO', component, message),
      warn: (message) => this.write('WARN', component, message),
      error: (message) => this.write('ERROR', component, message),
    };
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.minRank;
  }

  write(level: LogLevel, component: string, message: string): void {
    if (level === 'WARN' || level === 'ERROR') process.emitWarning(`${component}: ${message}`, { code: `NANOLAMBDA_${component.toUpperCase()}` });
    if (!this.enabled(level)) return;
    // One line per message: a newline inside would forge a second entry.
    const line = Buffer.from(`[${new Date().toISOString()}][${level}]-${component}: ${message.replace(/\r?\n/g, '\\n')}\n`);
    try {
      this.file.write(line, line.length);
      this.failing = false;
    } catch (error) {
      if (!this.failing) process.emitWarning(`cannot write ${this.file.file}: ${(error as Error).message}`, { code: 'NANOLAMBDA_SYSTEM_LOG' });
      this.failing = true;
    }
  }

  close(): void {
    this.file.close();
  }
}
