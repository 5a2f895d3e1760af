#!/usr/bin/env node
// Rewrites the generated section of docs/configuration.md from the collector's config schema (after a build).
import { readFileSync, writeFileSync } from 'node:fs';
const root = new URL('..', import.meta.url).pathname;
const { BEGIN, END, renderReference } = await import(`${root}dist/collector/config/reference.js`);
const file = `${root}docs/configuration.md`;
const doc = readFileSync(file, 'utf8');
const start = doc.indexOf(BEGIN);
const end = doc.indexOf(END);
if (start < 0 || end < 0) throw new Error(`${file}: generated-section markers missing`);
writeFileSync(file, doc.slice(0, start) + renderReference() + doc.slice(end + END.length));
console.log(`updated ${file}`);
