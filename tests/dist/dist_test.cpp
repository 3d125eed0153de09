// keisan tests: keisan/dist under mpirun (np >= 2): broadcast gives every rank rank 0's weights
// even when each rank drew its own; the deterministic allreduce is the rank-ordered sum to the bit,
// the fast one agrees within float rounding; mismatched ranks are refused on every rank.
// Prints "dist_test: every check held" on rank 0 when all passed; any failure aborts every rank.
// SPDX-License-Identifier: MIT
#include <cstdio>
#include <cstring>
#include <keisan/dist/allreduce.hpp>
#include <keisan/dist/broadcast.hpp>
#include <keisan/keisan.hpp>
#include <string>
#include <vector>

namespace {

keisan::dist::Communicator* world_ptr = nullptr;

void check(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "dist_test: rank %d: FAILED: %s\n", world_ptr->rank(), what.c_str());
  std::fflush(stderr);
  world_ptr->abort(1);
}

/// True on every rank when `ok` holds on every rank.
bool all(bool ok) {
  int mine = ok ? 1 : 0, every = 0;
  keisan::dist::check_mpi(MPI_Allreduce(&mine, &every, 1, MPI_INT, MPI_MIN, world_ptr->comm()), "MPI_Allreduce");
  return every == 1;
}

keisan::Sequential<float> make_net(std::uint64_t seed) {
  keisan::Rng rng(seed);
  keisan::Sequential<float> net;
  net.add(keisan::Affine<float>(7, 5, keisan::Init::xavier, rng))
      .add(keisan::ReLU<float>())
      .add(keisan::Affine<float>(5, 3, keisan::Init::xavier, rng));
  return net;
}

/// Rank r's gradient values: different on every rank and not exactly representable sums.
void set_grads(keisan::Sequential<float>& net, int rank) {
  int i = 0;
  for (const auto& p : net.parameters()) {
    auto& g = p.parameter->mutable_grad();
    for (keisan::Index k = 0; k < g.size(); ++k, ++i)
      g.data()[k] = 0.1F * static_cast<float>(rank + 1) + 1e-3F * static_cast<float>(i) / 7.0F +
                    (rank % 2 == 0 ? 3.3e4F : -3.3e4F) * static_cast<float>(i % 3);
  }
}

std::vector<float> flat_weights(keisan::Sequential<float>& net) {
  std::vector<float> out;
  for (const auto& t : net.state()) out.insert(out.end(), t.matrix->data(), t.matrix->data() + t.matrix->size());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  keisan::dist::Environment mpi(argc, argv);
  keisan::dist::Communicator world;
  world_ptr = &world;
  const int rank = world.rank(), size = world.size();
  check(size >= 2, "run under mpirun -np 2 or more");
  try {
    // Broadcast: every rank seeds its own weights; afterwards all hold rank 0's, bit for bit.
    auto net = make_net(100 + static_cast<std::uint64_t>(rank));
    std::vector<float> before = flat_weights(net), zero(before.size());
    std::vector<float> rank0 = before;
    keisan::dist::check_mpi(MPI_Bcast(rank0.data(), static_cast<int>(rank0.size()), MPI_FLOAT, 0, world.comm()),
                            "MPI_Bcast");
    check(all(rank == 0 || before != rank0), "the ranks' weights should differ before the broadcast");
    keisan::dist::broadcast(world, net.state());
    check(all(flat_weights(net) == rank0), "after broadcast every rank holds rank 0's weights");

    // Deterministic: ((g0 + g1) + g2 ...) / P exactly; every rank can compute every rank's gradients.
    auto params = net.parameters();
    keisan::dist::GradientAllreduce<float> det(world, params, keisan::dist::Reduction::deterministic, 2);
    keisan::dist::GradientAllreduce<float> fast(world, params, keisan::dist::Reduction::fast, 2);
    check(det.size() == 7 * 5 + 5 + 5 * 3 + 3 + 2, "flat buffer size: all gradients plus the extras");
    std::vector<keisan::Matrix<float>> expected;
    for (int r = 0; r < size; ++r) {
      set_grads(net, r);
      for (std::size_t i = 0; i < params.size(); ++i) {
        const auto& g = params[i].parameter->grad();
        if (r == 0)
          expected.push_back(g);
        else
          expected[i].array() += g.array();
      }
    }
    for (auto& e : expected) e.array() /= static_cast<float>(size);
    set_grads(net, rank);
    det.extras()[0] = static_cast<float>(rank);
    det.extras()[1] = 1;
    det.reduce(1, static_cast<float>(size));
    for (std::size_t i = 0; i < params.size(); ++i)
      check(params[i].parameter->grad() == expected[i],
            "deterministic allreduce == rank-ordered sum, " + params[i].name + ": max difference " +
                std::to_string(keisan::Matrix<float>(params[i].parameter->grad() - expected[i]).cwiseAbs().maxCoeff()) +
                ", first elements " + std::to_string(params[i].parameter->grad()(0, 0)) + " vs " +
                std::to_string(expected[i](0, 0)));
    check(det.extras()[0] == static_cast<float>(size * (size - 1) / 2) && det.extras()[1] == static_cast<float>(size),
          "extras are summed");
    set_grads(net, rank);
    fast.extras()[0] = 1;
    fast.reduce(1, static_cast<float>(size));
    for (std::size_t i = 0; i < params.size(); ++i)
      check(keisan::Matrix<float>((params[i].parameter->grad() - expected[i]).cwiseAbs()).maxCoeff() <=
                1e-6F * (1 + expected[i].cwiseAbs().maxCoeff()),
            "fast allreduce within rounding of the ordered sum, " + params[i].name);
    check(fast.extras()[0] == static_cast<float>(size), "fast: extras are summed");
    // A weight of 2 on every rank: twice the mean.
    set_grads(net, rank);
    det.reduce(2, static_cast<float>(size));
    for (std::size_t i = 0; i < params.size(); ++i)
      check(params[i].parameter->grad() == keisan::Matrix<float>(expected[i] * 2.0F), "weighted reduce");
    bool threw = false;
    try {
      det.reduce(1, 0);
    } catch (const keisan::ValueError& e) {
      threw = std::string(e.what()) == "keisan::dist::GradientAllreduce::reduce: the divisor must be > 0, got 0.000000";
    }
    check(threw, "reduce refuses a divisor of 0");

    // Ranks that disagree: every rank throws, naming the tensor (none is left waiting).
    auto other = make_net(1);
    keisan::Matrix<float> odd = keisan::Matrix<float>::Zero(rank == 1 ? 4 : 5, 3);
    keisan::StateList<float> list{{"a", &other.parameters()[0].parameter->value(), nullptr}, {"odd", &odd, nullptr}};
    std::string message;
    try {
      keisan::dist::broadcast(world, list);
    } catch (const keisan::ShapeError& e) {
      message = e.what();
    }
    const std::string want =
        "keisan::dist::broadcast: tensor 1 ('odd') is 5x3 on rank 0 but differs on another rank (rank " +
        std::to_string(rank) + ": " + (rank == 1 ? "4x3" : "5x3") + ")";
    check(message == want, "broadcast of mismatched shapes: got '" + message + "', want '" + want + "'");
    keisan::StateList<float> shorter(list.begin(), list.begin() + (rank == 1 ? 1 : 2));
    message.clear();
    try {
      keisan::dist::broadcast(world, shorter);
    } catch (const keisan::ShapeError& e) {
      message = e.what();
    }
    check(message.rfind("keisan::dist::broadcast: rank 0 has 2 tensors and another rank a different number", 0) == 0,
          "broadcast of lists of different lengths: got '" + message + "'");
    message.clear();
    try {
      keisan::dist::GradientAllreduce<float> bad(world, rank == 1 ? other.parameters() : params,
                                                 keisan::dist::Reduction::fast, rank == 1 ? 0 : 2);
    } catch (const keisan::ShapeError& e) {
      message = e.what();
    }
    check(message.rfind("keisan::dist::GradientAllreduce: the processes' parameters differ: 58 to 60 gradient elements",
                        0) == 0,
          "allreduce over different parameters: got '" + message + "'");
  } catch (const std::exception& e) {
    check(false, std::string("unexpected exception: ") + e.what());
  }
  world.barrier();
  if (rank == 0) std::printf("dist_test: every check held on %d ranks\n", size);
  return 0;
}
