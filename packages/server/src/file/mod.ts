/** The file handler: static documents with conditional and range requests. */
export {};
