// anymesh: the operator's command line: genkey and pubkey (byte-compatible with wg(8)), and
// status and routes, asked of a running gateway over its control socket.
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "dataplane/agent/control_socket.h"
#include "dataplane/wireguard/crypto.h"
#include "dataplane/wireguard/key.h"

namespace {

int usage(std::FILE* to) {
  std::fprintf(to,
               "Usage: anymesh COMMAND\n"
               "  genkey    print a new private key (base64, as wg genkey)\n"
               "  pubkey    read a private key on stdin, print its public key (as wg pubkey)\n"
               "  status [--socket PATH]   ask the running gateway for its state\n"
               "  routes [--socket PATH]   ask the running gateway for its routes\n"
               "The gateway's control socket is %s unless --socket names another.\n",
               anymesh::agent::kDefaultControlSocket);
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

// `anymesh status|routes [--socket PATH]`: the gateway's answer on stdout; an answer that is an
// error line goes to stderr and exits 1, as does a gateway that cannot be reached.
int ask_gateway(const std::string& command, int argc, char** argv) {
  std::string socket = anymesh::agent::kDefaultControlSocket;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--socket" && i + 1 < argc) {
      socket = argv[++i];
    } else if (arg.starts_with("--socket=")) {
      socket = arg.substr(9);
    } else {
      std::fprintf(stderr, "anymesh %s: unexpected argument '%s'\n", command.c_str(), arg.c_str());
      return usage(stderr);
    }
  }
  auto answer = anymesh::agent::query_control_socket(socket, command);
  if (!answer) {
    std::fprintf(stderr, "anymesh: cannot reach the gateway at %s: %s\n", socket.c_str(), answer.error().c_str());
    return 1;
  }
  if (answer->starts_with("error:")) {
    std::fprintf(stderr, "anymesh %s: the gateway answered: %s", command.c_str(), answer->c_str());
    return 1;
  }
  std::fwrite(answer->data(), 1, answer->size(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") return usage(stdout);
  if (cmd == "status" || cmd == "routes") return ask_gateway(cmd, argc, argv);
  if (argc != 2) return usage(stderr);
  if (cmd == "genkey") return genkey();
  if (cmd == "pubkey") return pubkey();
  std::fprintf(stderr, "anymesh: unknown command '%s'\n", cmd.c_str());
  return usage(stderr);
}
