import type { LoggerService } from '@backstage/backend-plugin-api';

/** One log line as a logger would write it: the message and its fields, errors with their stacks. */
export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  text: string;
}

/** A LoggerService that keeps every line, for asserting what was (not) logged. */
export class CapturingLogger implements LoggerService {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly fields: Record<string, unknown> = {},
  ) {}

  #add(level: LogLine['level'], message: string, meta?: Error | object) {
    let extra = '';
    if (meta instanceof Error)
      extra = ` ${meta.name}: ${meta.message}\n${meta.stack}`;
    else if (meta) extra = ` ${JSON.stringify(meta)}`;
    const fields = Object.keys(this.fields).length
      ? ` ${JSON.stringify(this.fields)}`
      : '';
    this.lines.push({ level, text: `${message}${extra}${fields}` });
  }

  error(message: string, meta?: Error | object) {
    this.#add('error', message, meta);
  }
  warn(message: string, meta?: Error | object) {
    this.#add('warn', message, meta);
  }
  info(message: string, meta?: Error | object) {
    this.#add('info', message, meta);
  }
  debug(message: string, meta?: Error | object) {
    this.#add('debug', message, meta);
  }
  child(meta: Record<string, unknown>): LoggerService {
    return new CapturingLogger(this.lines, { ...this.fields, ...meta });
  }

  /** Every line, as one text. */
  all(): string {
    return this.lines.map(l => `${l.level} ${l.text}`).join('\n');
  }
}
