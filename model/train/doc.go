// Package train turns an interaction log into a model.Spec.
//
// It reads logs (the UCI Online Retail CSV, or any CSV through a typed
// column Mapping), and fits an item-to-item model with EASE (Steck, 2019):
// a closed-form ridge regression of every item on all the others, solved
// once with a Cholesky factorisation. The dense solution is then truncated
// to each item's strongest positive neighbours, which is what the module
// ships and scores in the browser. With Config.Privacy (see PrivateConfig)
// training is differentially private at the user level: bounded user
// contributions, Gaussian noise on the Gram matrix and the buyer counts,
// zCDP accounting. Decisions and measured figures are in
// RATIONALE.md beside this file.
//
// Training runs on the operator's side only; nothing here is compiled into
// the module, but the package stays free of os and net so it builds
// everywhere model/ does.
package train
