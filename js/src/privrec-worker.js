// The dedicated worker's entry point: it owns the module and the storage,
// so the page's main thread never blocks on scoring or IndexedDB.
import { serve } from './protocol.js';

serve(/** @type {any} */ (self));
