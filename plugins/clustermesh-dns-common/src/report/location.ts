import type { SourceLocation } from './types';

/** Formats a location as `file:line`. @public */
export function formatLocation(location: SourceLocation | undefined): string {
  return location ? `${location.file}:${location.line}` : 'unknown location';
}
