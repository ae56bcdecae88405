import { ProcessorTestData } from '../../../testTypes';
import { processorCases } from '../cases';

// The cases are plain data in ../cases.ts, which openpanel-destination's own test suite runs as well.
export const data: ProcessorTestData[] = processorCases;
