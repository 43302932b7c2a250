// anymesh_maglev_vectors DIR: writes DIR/<case>.txt for every Maglev vector case (see CMakeLists.txt).
#include <cstdio>
#include <fstream>

#include "maglev_vector_format.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR (e.g. tests/vectors/maglev)\n", argv[0]);
    return 2;
  }
  for (const auto& c : anymesh::anycast::vectors::cases()) {
    auto v = anymesh::anycast::vectors::compute(c);
    if (v.counts.empty()) {
      std::fprintf(stderr, "case %s does not build\n", v.name.c_str());
      return 1;
    }
    std::string path = std::string(argv[1]) + "/" + v.name + ".txt";
    std::ofstream out(path);
    out << anymesh::anycast::vectors::to_text(v);
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
    std::printf("wrote %s\n", path.c_str());
  }
  return 0;
}
