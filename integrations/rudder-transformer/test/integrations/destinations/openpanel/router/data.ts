import { RouterTestData } from '../../../testTypes';
import { routerCases } from '../cases';

// The cases are plain data in ../cases.ts, which openpanel-destination's own test suite runs as well.
export const data: RouterTestData[] = routerCases;
