// A consumer of keisan: one gradient, checked, so the program fails if keisan is broken.
// SPDX-License-Identifier: MIT
#include <keisan/keisan.hpp>

int main() {
  keisan::Parameter<double> w(keisan::Matrix<double>::Constant(1, 1, 3.0));
  keisan::Graph<double> g;
  g.backward(keisan::sum(keisan::square(g.param(w))));  // d(w^2)/dw = 6
  return w.grad()(0, 0) == 6.0 ? 0 : 1;
}
