// keisan quickstart: the README's example, kept compiling and running by ctest.
// SPDX-License-Identifier: MIT
#include <iostream>
#include <keisan/keisan.hpp>

int main() {
  using namespace keisan;
  Parameter<double> W(Matrix<double>::Random(4, 3)), b(Matrix<double>::Zero(1, 3));
  Matrix<double> x = Matrix<double>::Random(5, 4);  // 5 samples, 4 features
  std::vector<int> labels{0, 2, 1, 1, 0};

  auto loss_of = [&](Graph<double>& g) { return softmax_cross_entropy(affine(sigmoid(g.input(x)), W, b), labels); };
  Graph<double> g;
  auto loss = loss_of(g);
  g.backward(loss);  // W.grad() and b.grad() now hold dL/dW and dL/db
  std::cout << "loss " << loss.value()(0, 0) << "\ndL/db " << b.grad() << "\n";

  auto report = gradcheck<double>(loss_of, {{"W", &W}, {"b", &b}});
  std::cout << report.to_string() << "gradcheck: " << (report.passed() ? "passed" : "FAILED") << "\n";
  return report.passed() ? 0 : 1;
}
