// privrec: on-device recommendations for web storefronts. The shopper's
// history never leaves their browser; the model is a signed WebAssembly
// bundle that a dedicated worker verifies and runs.
export { Recommender } from './client.js';
export { PrivrecError, Code, codeName } from './errors.js';
