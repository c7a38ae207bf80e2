// Package train turns an interaction log into a model.Spec.
//
// It reads logs (the UCI Online Retail CSV, or any CSV through a typed
// column Mapping) and fits one of two model kinds (Config.Kind; ChooseKind
// picks one for a catalog and a byte budget):
//
//   - neighbors: EASE (Steck, 2019), the ridge regression of every item on
//     the others, fitted sparsely one target at a time over its strongest
//     co-occurring items (so memory and time stay linear in the log), and
//     truncated to each item's strongest positive neighbours;
//   - embedding: a low-rank EASE from a randomized eigendecomposition of the
//     sparse Gram matrix, product-quantized (QuantizeEmbedding) to a few
//     bytes per item, for catalogs too large for neighbours.
//
// With Config.Privacy (see PrivateConfig) training is differentially
// private at the user level: bounded user contributions, Gaussian noise on
// the Gram matrix and the buyer counts, zCDP accounting, and the exact dense
// solve on a block of popular items. Decisions and measured figures are in
// RATIONALE.md beside this file.
//
// Training runs on the operator's side only; nothing here is compiled into
// the module, but the package stays free of os and net so it builds
// everywhere model/ does.
package train
