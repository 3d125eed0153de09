// keisan: the computation graph. A Graph records the nodes of one forward pass in the order
// they ran (a tape) and walks it once in reverse to backpropagate. Var is a handle to a node.
// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keisan/core/error.hpp"
#include "keisan/core/gradient.hpp"
#include "keisan/core/image.hpp"
#include "keisan/core/matrix.hpp"
#include "keisan/core/parameter.hpp"
#include "keisan/core/threads.hpp"
#include "keisan/detail/gemm.hpp"

namespace keisan {

template <class Scalar>
class Graph;
template <class Scalar>
class Var;
template <class Scalar>
struct Node;

/// A node's forward rule: computes `node.out()` from the input values
/// (`graph.input(node, k).value`) and the node's saved state. It must be a pure function of
/// those: `gradcheck_nodes` re-runs it many times. Randomness (a dropout mask) is drawn in the
/// op's setup and saved in the node, never in the forward rule.
template <class Scalar>
using ForwardFn = void (*)(Graph<Scalar>& graph, Node<Scalar>& node);

/// A node's backward rule: reads `node.grad()` (dL/d output) and adds dL/d input into the inputs
/// (`graph.input(node, k).accumulate(...)`; a no-op for an input that needs no gradient).
template <class Scalar>
using BackwardFn = void (*)(Graph<Scalar>& graph, Node<Scalar>& node);

/// One recorded operation. Part of the op-writer API (see ops/*.hpp, and the README's "Writing
/// your own op"): an op checks its shapes and calls `Graph::record` with its forward and backward
/// rules. Because a node keeps both rules and all of its saved state, it can be re-run on its
/// own, which is how `gradcheck_nodes` checks each backward rule in isolation.
///
/// Saved state (whatever the backward rule needs besides the inputs and the output): any number
/// of matrices (`saved(k)`), integers (`ints`) and scalars (`scalars`). All buffers survive
/// `Graph::clear()`, so a step with the same shapes as the previous one allocates nothing.
template <class Scalar>
struct Node {
  using MatrixType = Matrix<Scalar>;
  static constexpr int max_inputs = 3;

  std::string op;                          ///< op name, for errors and reports (copied)
  ForwardFn<Scalar> forward = nullptr;     ///< null for leaves (input, constant, param)
  BackwardFn<Scalar> backward = nullptr;   ///< null: nothing to propagate
  std::array<Index, max_inputs> inputs{};  ///< tape indices of the inputs
  int num_inputs = 0;
  Index index = 0;  ///< this node's position on the tape

  const MatrixType* value = nullptr;       ///< the value: own_value, a Parameter's, or user data
  GradBuffer<Scalar>* grad_buf = nullptr;  ///< where dL/d(value) accumulates; null: not needed

  MatrixType own_value;         ///< output buffer of an op
  GradBuffer<Scalar> own_grad;  ///< gradient buffer of an op
  std::vector<Index> ints;      ///< saved integers (e.g. labels), copied so callers need not keep them
  std::vector<Scalar> scalars;  ///< saved scalars (e.g. the alpha and beta of alpha * x + beta)
  /// The image shape the value carries (NHWC rows; all zeros: not an image). Metadata only: no
  /// rule reads it (an image op saves its geometry in `ints`, so a replay needs no metadata).
  /// record() copies it from the first input of the output's shape; an op may then overwrite it.
  ImageShape image;

  /// Whether backward needs dL/d(this value).
  [[nodiscard]] bool needs_grad() const noexcept { return grad_buf != nullptr; }

  /// The output buffer an op writes its forward result into.
  [[nodiscard]] MatrixType& out() noexcept { return own_value; }

  /// The k-th saved matrix (k = 0, 1, ...), created on first use. References stay valid while
  /// the node lives; the matrix's buffer is reused by the next pass.
  [[nodiscard]] MatrixType& saved(std::size_t k) {
    while (saved_.size() <= k) saved_.emplace_back();
    if (k >= num_saved_) num_saved_ = k + 1;
    return saved_[k];
  }
  [[nodiscard]] const MatrixType& saved(std::size_t k) const { return saved_.at(k); }
  /// How many matrices this pass saved (saved(0) .. saved(num_saved() - 1)).
  [[nodiscard]] std::size_t num_saved() const noexcept { return num_saved_; }

  /// dL/d(this value), valid inside this node's backward rule.
  [[nodiscard]] const MatrixType& grad() const { return grad_buf->read(value->rows(), value->cols()); }

  /// Adds `e` (shaped like the value) into dL/d(this value); the first contribution after a reset
  /// assigns. A no-op when this value needs no gradient (input data), so a rule may accumulate into
  /// every input. Throws ShapeError when `e` is not shaped like the value.
  template <class Expr>
  void accumulate(const Expr& e) {
    if (grad_buf != nullptr) grad_buf->add(e, value->rows(), value->cols());
  }

  /// Adds the product `a * b` (matrices or transposes) into dL/d(this value): one GEMM, no
  /// temporary, packing blocks from the graph's workspace. A no-op when no gradient is needed.
  template <class A, class B>
  void accumulate_product(const A& a, const B& b);

  /// Writable dL/d(this value) (for sparse fix-ups such as -1 at a label); zeros if nothing was
  /// added yet. Only for a value that needs a gradient.
  [[nodiscard]] MatrixType& grad_mut() { return grad_buf->write(value->rows(), value->cols()); }

 private:
  friend class Graph<Scalar>;
  Graph<Scalar>* graph_ = nullptr;
  std::deque<MatrixType> saved_;  // a deque: saved(k) never moves saved(j)
  std::size_t num_saved_ = 0;
};

/// Handle to a value recorded on a Graph. Cheap to copy; valid until the graph's `clear()`: a
/// handle kept across `clear()` throws ValueError when used, even once the graph has grown
/// past its index again.
template <class Scalar>
class Var {
 public:
  using MatrixType = Matrix<Scalar>;

  Var() = default;
  Var(Graph<Scalar>* graph, Index index, std::uint64_t generation) noexcept
      : graph_(graph), index_(index), generation_(generation) {}

  /// The value computed in the forward pass.
  [[nodiscard]] const MatrixType& value() const { return *node().value; }
  /// dL/d(value) after `backward()`; zeros where the loss does not reach. Reading changes nothing.
  /// Throws ValueError when this value was recorded without a gradient (data, no-grad scope).
  [[nodiscard]] const MatrixType& grad() const;

  [[nodiscard]] Index rows() const { return value().rows(); }
  [[nodiscard]] Index cols() const { return value().cols(); }
  [[nodiscard]] bool requires_grad() const { return node().needs_grad(); }
  /// The image shape the value carries: h x w x c per row (all zeros when it is not an image).
  [[nodiscard]] const ImageShape& image() const { return node().image; }
  /// Whether the value is a batch of images (carries an image shape).
  [[nodiscard]] bool is_image() const { return node().image.is_image(); }
  [[nodiscard]] Index index() const noexcept { return index_; }
  [[nodiscard]] const std::string& op() const { return node().op; }
  [[nodiscard]] Graph<Scalar>& graph() const;
  [[nodiscard]] Node<Scalar>& node() const;
  [[nodiscard]] bool valid() const noexcept { return graph_ != nullptr; }
  /// The graph's pass this handle was recorded in (see Graph::generation()).
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }

 private:
  Graph<Scalar>* graph_ = nullptr;
  Index index_ = 0;
  std::uint64_t generation_ = 0;
};

/// Define-by-run tape of one forward pass.
///
/// Ops append nodes as they run; `backward(loss)` seeds dL/dL = 1 and walks the tape once in
/// reverse, so a gradient costs a small constant times the forward pass whatever the number of
/// parameters. Only values that depend on a Parameter get a gradient: input data does not, so
/// the first layer never computes dL/dX. `clear()` forgets the nodes but keeps their buffers.
///
/// @code
/// keisan::Graph<float> g;
/// auto x = g.input(batch);                       // referenced, not copied
/// auto h = keisan::sigmoid(keisan::affine(x, W1, b1));
/// auto loss = keisan::softmax_cross_entropy(keisan::affine(h, W2, b2), labels);
/// g.backward(loss);                              // W1.grad(), b1.grad(), ... now hold dL/d.
/// g.clear();                                     // same shapes next step: no allocation
/// @endcode
template <class Scalar>
class Graph {
 public:
  using MatrixType = Matrix<Scalar>;
  using VarType = Var<Scalar>;

  Graph() = default;
  Graph(const Graph&) = delete;  // Vars point at their graph
  Graph& operator=(const Graph&) = delete;

  /// Data that needs no gradient. Referenced, not copied: `data` must outlive this pass.
  VarType input(const MatrixType& data) { return leaf("input", &data, nullptr); }
  VarType input(MatrixType&&) = delete;  // a temporary would dangle; use constant()

  /// A batch of images that needs no gradient: `data` is N x (h*w*c), one NHWC image per row,
  /// referenced, not copied. Throws ShapeError when a size is not positive or data's column
  /// count is not h*w*c.
  VarType input(const MatrixType& data, ImageShape shape) {
    check_image("input", data, shape);
    VarType v = input(data);
    node(v.index()).image = shape;
    return v;
  }
  VarType input(MatrixType&&, ImageShape) = delete;

  /// Data that needs no gradient, copied into the graph (buffer reused across clear()).
  template <class Derived>
  VarType constant(const Eigen::MatrixBase<Derived>& data) {
    VarType v = leaf("constant", nullptr, nullptr);
    Node<Scalar>& n = node(v.index());
    n.own_value = data;
    n.value = &n.own_value;
    if (detect_anomaly_) check_forward(n);
    return v;
  }

  /// A batch of images copied into the graph, as constant(); checked as input(data, shape).
  template <class Derived>
  VarType constant(const Eigen::MatrixBase<Derived>& data, ImageShape shape) {
    check_image("constant", data, shape);
    VarType v = constant(data);
    node(v.index()).image = shape;
    return v;
  }

  /// A trainable leaf. backward() accumulates into `p.grad()`; `p` must outlive this pass.
  VarType param(Parameter<Scalar>& p) { return leaf("param", &p.value_, grad_enabled_ ? &p.grad_ : nullptr); }
  VarType param(Parameter<Scalar>&&) = delete;

  /// Appends an op node named `op` (copied) whose inputs are `in`, runs `setup(node)` to store
  /// the op's saved state that the forward rule does not compute (constants, labels, a random
  /// mask), then runs `forward_rule`. The node gets a gradient (and keeps `backward_rule`) only
  /// if gradients are enabled and some input needs one. Throws ValueError for more than
  /// Node::max_inputs inputs, a null forward rule, or a Var of another graph or pass.
  template <class Setup>
  VarType record(std::string_view op, std::initializer_list<VarType> in, ForwardFn<Scalar> forward_rule,
                 BackwardFn<Scalar> backward_rule, Setup&& setup) {
    return record(op, in.begin(), in.size(), forward_rule, backward_rule, std::forward<Setup>(setup));
  }

  /// record() for an op without saved state of its own.
  VarType record(std::string_view op, std::initializer_list<VarType> in, ForwardFn<Scalar> forward_rule,
                 BackwardFn<Scalar> backward_rule) {
    return record(op, in.begin(), in.size(), forward_rule, backward_rule, [](Node<Scalar>&) {});
  }

  /// record() over `count` inputs starting at `in`.
  template <class Setup>
  VarType record(std::string_view op, const VarType* in, std::size_t count, ForwardFn<Scalar> forward_rule,
                 BackwardFn<Scalar> backward_rule, Setup&& setup) {
    if (count > static_cast<std::size_t>(Node<Scalar>::max_inputs))
      throw ValueError("keisan::Graph::record: op '" + std::string(op) + "' has " + std::to_string(count) +
                       " inputs; a node holds at most " + std::to_string(Node<Scalar>::max_inputs));
    if (forward_rule == nullptr)
      throw ValueError("keisan::Graph::record: op '" + std::string(op) + "' has no forward rule");
    bool needs = false;
    for (std::size_t k = 0; k < count; ++k) {
      check_owned(op, in[k]);
      needs = needs || node(in[k].index()).needs_grad();
    }
    needs = needs && grad_enabled_;
    Node<Scalar>& n = push(op);
    for (std::size_t k = 0; k < count; ++k) n.inputs[static_cast<std::size_t>(n.num_inputs++)] = in[k].index();
    n.value = &n.own_value;
    n.forward = forward_rule;
    if (needs) {
      n.backward = backward_rule;
      n.grad_buf = &n.own_grad;
    }
    setup(n);
    forward_rule(*this, n);
    for (std::size_t k = 0; k < count; ++k) {  // an elementwise op on images gives images
      const Node<Scalar>& x = node(in[k].index());
      if (x.image.is_image() && x.value->rows() == n.value->rows() && x.value->cols() == n.value->cols()) {
        n.image = x.image;
        break;
      }
    }
    if (detect_anomaly_) check_forward(n);
    return VarType(this, n.index, generation_);
  }

  /// Backpropagates from a 1x1 `loss`: every Parameter it depends on gets dL/dp added to its grad.
  void backward(VarType loss) {
    check_owned("backward", loss);
    const MatrixType& v = loss.value();
    if (v.rows() != 1 || v.cols() != 1)
      throw ShapeError("keisan::backward: the loss must be 1x1, got " + shape_string(v) +
                       " (reduce it with sum() or mean(), or pass a seed gradient)");
    seed_.setOnes(1, 1);
    backward(loss, seed_);
  }

  /// Backpropagates a seed gradient dL/d(y) of y's shape (a vector-Jacobian product).
  /// A backward rule that adds a gradient of the wrong shape throws ShapeError naming its node.
  void backward(VarType y, const MatrixType& seed) {
    check_owned("backward", y);
    Node<Scalar>& top = node(y.index());
    if (seed.rows() != top.value->rows() || seed.cols() != top.value->cols())
      throw ShapeError("keisan::backward: seed is " + shape_string(seed) + " but the value is " +
                       shape_string(*top.value));
    if (!top.needs_grad())
      throw ValueError("keisan::backward: the value (op '" + top.op +
                       "') does not depend on any Parameter, or was recorded in a no-grad scope");
    for (std::size_t i = 0; i < size_; ++i) nodes_[i]->own_grad.reset();  // re-runnable
    top.accumulate(seed);
    for (Index i = y.index(); i >= 0; --i) {
      Node<Scalar>& n = *nodes_[static_cast<std::size_t>(i)];
      if (n.backward == nullptr || n.grad_buf->is_zero()) continue;
      try {
        n.backward(*this, n);
      } catch (const ShapeError& e) {
        throw ShapeError("keisan::backward: the backward rule of " + describe_node(n) + ": " + e.what());
      }
      if (detect_anomaly_) check_backward(n);
    }
  }

  /// Forgets every node (Vars become invalid, see generation()) but keeps their buffers.
  void clear() noexcept {
    size_ = 0;
    ++generation_;
  }

  /// Number of nodes recorded since the last clear().
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Counts clear() calls: a Var recorded in another generation is stale.
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }
  [[nodiscard]] Node<Scalar>& node(Index i) { return *nodes_[static_cast<std::size_t>(i)]; }
  [[nodiscard]] const Node<Scalar>& node(Index i) const { return *nodes_[static_cast<std::size_t>(i)]; }
  /// The k-th input of `n` (for forward and backward rules).
  [[nodiscard]] Node<Scalar>& input(const Node<Scalar>& n, int k) {
    return node(n.inputs[static_cast<std::size_t>(k)]);
  }
  [[nodiscard]] const Node<Scalar>& input(const Node<Scalar>& n, int k) const {
    return node(n.inputs[static_cast<std::size_t>(k)]);
  }

  /// dst = a * b, or dst += a * b when `accumulate` (dst already shaped), for forward rules:
  /// `a` and `b` are matrices or their `.transpose()`. One GEMM with no temporary and no heap
  /// allocation in steady state (packing blocks come from the graph's workspace).
  /// dst may also be a Map or block of a row-major matrix (shaped already). Called from inside an
  /// op's own OpenMP parallel region, the product runs on the calling thread alone: call
  /// reserve_multiply() before the region.
  template <class Dst, class A, class B>
  void multiply(Dst& dst, const A& a, const B& b, bool accumulate = false) {
    detail::gemm(dst, a, b, accumulate, gemm_workspace_);
  }

  /// For an op that runs products on each of `threads` OpenMP threads of its own: makes room now,
  /// on the calling thread, for one rows x cols x depth product per thread (dst rows x cols), so
  /// multiply() inside the parallel region allocates nothing (and cannot fail there).
  void reserve_multiply(Index rows, Index cols, Index depth, int threads) {
    detail::reserve_gemm(gemm_workspace_, rows, cols, depth, threads);
  }

  /// Whether new nodes record gradients (see NoGradScope).
  [[nodiscard]] bool grad_enabled() const noexcept { return grad_enabled_; }
  void set_grad_enabled(bool on) noexcept { grad_enabled_ = on; }

  /// Whether every node's value and every backward contribution is checked for NaN/inf
  /// (see AnomalyScope). Off by default; when off it costs one branch per op.
  [[nodiscard]] bool detect_anomaly() const noexcept { return detect_anomaly_; }
  void set_detect_anomaly(bool on) noexcept { detect_anomaly_ = on; }

 private:
  friend struct Node<Scalar>;

  Node<Scalar>& push(std::string_view op) {
    if (size_ == nodes_.size()) nodes_.push_back(std::make_unique<Node<Scalar>>());
    Node<Scalar>& n = *nodes_[size_];
    n.op.assign(op.data(), op.size());  // reuses the string's buffer: no allocation in steady state
    n.forward = nullptr;
    n.backward = nullptr;
    n.num_inputs = 0;
    n.index = static_cast<Index>(size_);
    n.value = nullptr;
    n.grad_buf = nullptr;
    n.own_grad.reset();
    n.ints.clear();
    n.scalars.clear();
    n.num_saved_ = 0;
    n.image = ImageShape{};
    n.graph_ = this;
    ++size_;
    return n;
  }

  VarType leaf(std::string_view op, const MatrixType* value, GradBuffer<Scalar>* grad) {
    Node<Scalar>& n = push(op);
    n.value = value;
    n.grad_buf = grad;
    if (detect_anomaly_ && value != nullptr) check_forward(n);
    return VarType(this, n.index, generation_);
  }

  template <class Derived>
  static void check_image(const char* where, const Eigen::MatrixBase<Derived>& data, const ImageShape& shape) {
    if (shape.h <= 0 || shape.w <= 0 || shape.c <= 0)
      throw ShapeError(std::string("keisan::Graph::") + where + ": image shape " + shape_string(shape) +
                       ": every size must be positive");
    if (data.cols() != shape.size())
      throw ShapeError(std::string("keisan::Graph::") + where + ": the data is " + shape_string(data) +
                       " but images of " + shape_string(shape) + " need " + std::to_string(shape.size()) +
                       " columns (h*w*c)");
  }

  /// "node 4 'log' (inputs 2x3)": how anomaly reports name a node.
  std::string describe_node(const Node<Scalar>& n) const {
    std::string s = "node " + std::to_string(n.index) + " '" + n.op + "'";
    if (n.num_inputs == 0) return s;
    s += " (input shapes ";
    for (int k = 0; k < n.num_inputs; ++k) s += (k ? ", " : "") + shape_string(*input(n, k).value);
    return s + ")";
  }

  static bool find_non_finite(const MatrixType& m, Index& row, Index& col) {
    if (m.allFinite()) return false;
    for (row = 0; row < m.rows(); ++row)
      for (col = 0; col < m.cols(); ++col)
        if (!std::isfinite(m(row, col))) return true;
    return false;
  }

  void check_forward(const Node<Scalar>& n) const {
    Index r = 0, c = 0;
    if (find_non_finite(*n.value, r, c))
      throw NumericError("keisan: anomaly in the forward pass: " + describe_node(n) +
                         (n.num_inputs == 0 ? " holds " : " produced ") + std::to_string((*n.value)(r, c)) + " at (" +
                         std::to_string(r) + "," + std::to_string(c) + ")");
  }

  void check_backward(const Node<Scalar>& n) const {
    for (int k = 0; k < n.num_inputs; ++k) {
      const Node<Scalar>& in = input(n, k);
      Index r = 0, c = 0;
      if (!in.needs_grad() || in.grad_buf->is_zero()) continue;
      const MatrixType& grad = in.grad();
      if (find_non_finite(grad, r, c))
        throw NumericError("keisan: anomaly in the backward pass: " + describe_node(n) + " gave input " +
                           std::to_string(k) + " (node " + std::to_string(in.index) + " '" + in.op +
                           "') a gradient of " + std::to_string(grad(r, c)) + " at (" + std::to_string(r) + "," +
                           std::to_string(c) + ")");
    }
  }

  void check_owned(std::string_view op, const VarType& v) const {
    if (!v.valid() || &v.graph() != this || static_cast<std::size_t>(v.index()) >= size_ ||
        v.generation() != generation_)
      throw ValueError("keisan::" + std::string(op) +
                       ": the Var does not belong to this graph (another graph, or a Var kept "
                       "across clear())");
  }

  std::vector<std::unique_ptr<Node<Scalar>>> nodes_;
  std::size_t size_ = 0;
  std::uint64_t generation_ = 0;
  bool grad_enabled_ = true;
  bool detect_anomaly_ = false;
  MatrixType seed_;
  detail::GemmWorkspace<Scalar> gemm_workspace_;
};

/// While alive, the graph records values only: no backward rules, no gradient storage.
/// Use it for evaluation and for the numerical gradient's many forward passes.
/// @code
/// { keisan::NoGradScope guard(g); auto logits = net(g, x); ... }
/// @endcode
template <class Scalar>
class NoGradScope {
 public:
  explicit NoGradScope(Graph<Scalar>& g) noexcept : graph_(g), previous_(g.grad_enabled()) {
    g.set_grad_enabled(false);
  }
  ~NoGradScope() { graph_.set_grad_enabled(previous_); }
  NoGradScope(const NoGradScope&) = delete;
  NoGradScope& operator=(const NoGradScope&) = delete;

 private:
  Graph<Scalar>& graph_;
  bool previous_;
};

/// While alive, the graph checks each leaf's data, each op's output right after its forward rule
/// ran, and each backward rule's contributions, and throws NumericError naming the first node
/// that produced a NaN or infinity: its op, tape index, input shapes, the element, and whether it
/// was in the forward or the backward pass.
/// @code
/// { keisan::AnomalyScope guard(g); g.backward(loss(g)); }   // throws at the guilty node
/// @endcode
template <class Scalar>
class AnomalyScope {
 public:
  explicit AnomalyScope(Graph<Scalar>& g) noexcept : graph_(g), previous_(g.detect_anomaly()) {
    g.set_detect_anomaly(true);
  }
  ~AnomalyScope() { graph_.set_detect_anomaly(previous_); }
  AnomalyScope(const AnomalyScope&) = delete;
  AnomalyScope& operator=(const AnomalyScope&) = delete;

 private:
  Graph<Scalar>& graph_;
  bool previous_;
};

template <class Scalar>
template <class A, class B>
void Node<Scalar>::accumulate_product(const A& a, const B& b) {
  if (grad_buf != nullptr) grad_buf->add_product(a, b, value->rows(), value->cols(), graph_->gemm_workspace_);
}

template <class Scalar>
Graph<Scalar>& Var<Scalar>::graph() const {
  if (graph_ == nullptr) throw ValueError("keisan::Var: empty handle (default-constructed Var)");
  return *graph_;
}

template <class Scalar>
Node<Scalar>& Var<Scalar>::node() const {
  Graph<Scalar>& g = graph();
  if (generation_ != g.generation() || static_cast<std::size_t>(index_) >= g.size())
    throw ValueError("keisan::Var: stale handle (the graph was cleared since it was recorded)");
  return g.node(index_);
}

template <class Scalar>
const Matrix<Scalar>& Var<Scalar>::grad() const {
  Node<Scalar>& n = node();
  if (!n.needs_grad())
    throw ValueError("keisan::Var::grad: the value (op '" + n.op +
                     "') has no gradient: it is data, or was recorded in a no-grad scope");
  return n.grad();
}

}  // namespace keisan
