// keisan: reverse-mode automatic differentiation and neural networks on Eigen.
// The umbrella header: core, ops, nn, optim, data and check. Heavier optional pieces
// (safetensors I/O, gzip) have their own headers and are not pulled in here.
// SPDX-License-Identifier: MIT
#pragma once

#include "keisan/check/dot.hpp"
#include "keisan/check/gradcheck.hpp"
#include "keisan/check/gradcheck_nodes.hpp"
#include "keisan/check/numerical_gradient.hpp"
#include "keisan/core/error.hpp"
#include "keisan/core/graph.hpp"
#include "keisan/core/matrix.hpp"
#include "keisan/core/parameter.hpp"
#include "keisan/core/random.hpp"
#include "keisan/core/threads.hpp"
#include "keisan/data/dataset.hpp"
#include "keisan/data/minibatch_sampler.hpp"
#include "keisan/nn/activation.hpp"
#include "keisan/nn/affine.hpp"
#include "keisan/nn/layer.hpp"
#include "keisan/nn/sequential.hpp"
#include "keisan/ops/arithmetic.hpp"
#include "keisan/ops/elementwise.hpp"
#include "keisan/ops/linear.hpp"
#include "keisan/ops/loss.hpp"
#include "keisan/ops/reduction.hpp"
#include "keisan/ops/softmax.hpp"
#include "keisan/optim/adagrad.hpp"
#include "keisan/optim/adam.hpp"
#include "keisan/optim/optimizer.hpp"
#include "keisan/optim/rmsprop.hpp"
#include "keisan/optim/sgd.hpp"
