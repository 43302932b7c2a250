// anymesh: the operator's command line. Today: genkey and pubkey, byte-compatible with wg(8).
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/key.h"

namespace {

int usage(std::FILE* to) {
  std::fprintf(to,
               "Usage: anymesh COMMAND\n"
               "  genkey    print a new private key (base64, as wg genkey)\n"
               "  pubkey    read a private key on stdin, print its public key (as wg pubkey)\n");
  return to == stderr ? 2 : 0;
}

int genkey() {
  struct stat st {};
  if (::fstat(1, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO)) {
    std::fprintf(stderr, "Warning: writing private key to world accessible file.\n");
  }
  auto key = anymesh::wg::generate_private_key();
  std::printf("%s\n", anymesh::wg::key_to_base64(key).c_str());
  anymesh::wg::secure_zero(key);
  return 0;
}

int pubkey() {
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  // wg accepts the key with surrounding whitespace (a trailing newline from a file).
  auto first = input.find_first_not_of(" \t\r\n");
  auto last = input.find_last_not_of(" \t\r\n");
  std::string text = first == std::string::npos ? "" : input.substr(first, last - first + 1);
  auto key = anymesh::wg::key_from_base64(text);
  anymesh::wg::secure_zero(input.data(), input.size());
  if (!key) {
    std::fprintf(stderr, "anymesh pubkey: Key is not the correct length or format\n");
    return 1;
  }
  std::printf("%s\n", anymesh::wg::key_to_base64(anymesh::wg::public_key_of(*key)).c_str());
  anymesh::wg::secure_zero(*key);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") return usage(stdout);
  if (argc != 2) return usage(stderr);
  if (cmd == "genkey") return genkey();
  if (cmd == "pubkey") return pubkey();
  std::fprintf(stderr, "anymesh: unknown command '%s'\n", cmd.c_str());
  return usage(stderr);
}
