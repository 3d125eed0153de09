// keisan benchmarks: GradientAllreduce's time per call against the gradient's size, both modes
// (run under mpirun: `mpirun -np 4 bench_allreduce [max_megabytes]`). Not a Google Benchmark
// program: every rank must make the same calls in the same order. Prints one line per size on
// rank 0: the median over repetitions of the slowest rank's time (pack + reduce + unpack).
// SPDX-License-Identifier: MIT
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <keisan/dist/allreduce.hpp>
#include <vector>

int main(int argc, char** argv) {
  keisan::dist::Environment mpi(argc, argv);
  const keisan::dist::Communicator world;
  const double max_mb = argc > 1 ? std::atof(argv[1]) : 64;
  if (!(max_mb >= 0.001)) {
    if (world.rank() == 0) std::fprintf(stderr, "bench_allreduce: max_megabytes must be >= 0.001, got %s\n", argv[1]);
    return 2;
  }
  if (world.rank() == 0)
    std::printf("processes %d\n%12s %14s %14s %16s %16s\n", world.size(), "bytes", "fast_ms", "deterministic_ms",
                "fast_GB/s", "determ_GB/s");
  for (double bytes = 1024; bytes <= max_mb * 1024 * 1024 * 1.0001; bytes *= 4) {
    const auto floats = static_cast<keisan::Index>(bytes / 4);
    keisan::Parameter<float> p(keisan::Matrix<float>::Zero(1, floats));
    p.mutable_grad().setConstant(1.0F + static_cast<float>(world.rank()));
    const keisan::ParameterList<float> params{{"g", &p}};
    double ms[2] = {0, 0};
    int mode_index = 0;
    for (const auto mode : {keisan::dist::Reduction::fast, keisan::dist::Reduction::deterministic}) {
      keisan::dist::GradientAllreduce<float> reducer(world, params, mode);
      const int reps = bytes <= 1 << 20 ? 50 : bytes <= 16 << 20 ? 10 : 4;
      std::vector<double> times;
      reducer.reduce(1, static_cast<float>(world.size()));  // warm-up
      for (int r = 0; r < reps; ++r) {
        world.barrier();
        const double t0 = MPI_Wtime();
        reducer.reduce(1, static_cast<float>(world.size()));
        double mine = MPI_Wtime() - t0, slowest = 0;
        keisan::dist::check_mpi(MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, world.comm()), "MPI_Allreduce");
        times.push_back(slowest);
      }
      std::nth_element(times.begin(), times.begin() + static_cast<long>(times.size() / 2), times.end());
      ms[mode_index++] = 1000 * times[times.size() / 2];
    }
    if (world.rank() == 0)
      std::printf("%12.0f %14.4f %14.4f %16.3f %16.3f\n", bytes, ms[0], ms[1], bytes / ms[0] / 1e6,
                  bytes / ms[1] / 1e6);
  }
  return 0;
}
