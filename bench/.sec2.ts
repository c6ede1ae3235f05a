import { benchHttp } from './http.js';
import { printSection } from './report.js';

printSection(await benchHttp());
process.exit(0);
