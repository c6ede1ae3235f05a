import { benchHttp } from '/work/main/bench/http.js';
import { printSection } from '/work/main/bench/report.js';
printSection(await benchHttp());
process.exit(0);
