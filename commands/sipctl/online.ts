import UlOnline from './ul/online.js';

/** kamctl's top-level `online`: the same command as `sipctl ul online`. */
export default class Online extends UlOnline {
  static override summary = 'List the users registered now, one per line (kamctl online; as ul online)';
}
