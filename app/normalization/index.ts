// The one value-normalization module: server, reconciliation engine and application-side client import this.
export * from "./types";
export * from "./rules";
export * from "./canonical";
export * from "./compare";
export * from "./primary-key";
