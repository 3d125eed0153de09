// keisan check: a recorded graph as Graphviz DOT, drawn the way the book draws computation
// graphs: values as circles, functions as boxes. Render with `dot -Tpng graph.dot -o graph.png`.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdio>
#include <cstring>
#include <string>

#include "keisan/core/graph.hpp"
#include "keisan/core/parameter.hpp"

namespace keisan {

struct DotOptions {
  bool norms = false;  ///< label values with ||value|| and, where backward reached them, ||grad||
};

/// The nodes recorded on `g` (since its last clear()) as a DOT digraph. Leaves (input, param,
/// constant) are one circle; every op is a box feeding a circle with its output's shape. A
/// parameter leaf found in `names` (matched by its value) is labelled with its name ("0.W").
/// @code
/// std::ofstream("step.dot") << keisan::to_dot(g, {/*norms=*/true}, net.parameters());
/// @endcode
template <class Scalar>
[[nodiscard]] std::string to_dot(const Graph<Scalar>& g, const DotOptions& options = {},
                                 const ParameterList<Scalar>& names = {}) {
  std::string out = "digraph keisan {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  char buf[160];
  const auto escaped = [](const std::string& text) {  // DOT string literal content
    std::string e;
    for (char ch : text) e.append(ch == '"' || ch == '\\' ? "\\" : "").push_back(ch);
    return e;
  };
  for (std::size_t i = 0; i < g.size(); ++i) {
    const Node<Scalar>& n = g.node(static_cast<Index>(i));
    const bool leaf = n.num_inputs == 0;
    std::string label = leaf ? escaped(n.op).append("\\n") : std::string();
    for (const auto& np : names) {
      if (!leaf || np.parameter == nullptr || &np.parameter->value() != n.value) continue;
      label = escaped(np.name) + "\\n";
    }
    label += shape_string(*n.value);
    if (options.norms) {
      std::snprintf(buf, sizeof buf, "\\n|v|=%.3g", static_cast<double>(n.value->norm()));
      label += buf;
      if (n.needs_grad() && !n.grad_buf->is_zero()) {
        std::snprintf(buf, sizeof buf, "\\n|g|=%.3g", static_cast<double>(n.grad().norm()));
        label += buf;
      }
    }
    const std::string id = std::to_string(i);
    out.append("  v").append(id).append(" [shape=circle, label=\"").append(label).append("\"");
    out.append(n.needs_grad() ? "" : ", style=dashed").append("];\n");
    if (leaf) continue;
    out.append("  f").append(id).append(" [shape=box, label=\"").append(escaped(n.op)).append("\"];\n");
    for (int k = 0; k < n.num_inputs; ++k)
      out.append("  v").append(std::to_string(n.inputs[k])).append(" -> f").append(id).append(";\n");
    out.append("  f").append(id).append(" -> v").append(id).append(";\n");
  }
  return out.append("}\n");
}

}  // namespace keisan
