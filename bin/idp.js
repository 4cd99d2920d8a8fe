#!/usr/bin/env node
// The `idp` command: registers tsx (a runtime dependency) so the TypeScript CLI runs without a build
// step, from any working directory, then runs bin/idp.ts.
'use strict';
require('tsx/cjs');
require('./idp.ts');
