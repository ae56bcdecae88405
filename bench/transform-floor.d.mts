/** Types of transform-floor.mjs (plain JavaScript, so its process starts as fast as the built CLI). */
export declare function remapFloor(lines: string[]): string[];
