#!/usr/bin/env node
'use strict';
require('./fast.js').runBin('sipctl');
