#include "kwokctl/completion.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <set>

namespace kwok::kwokctl {

namespace {

struct Node {
  std::string path;  // " create cluster"
  std::vector<std::string> words;
};

void collect(const CLI::App& app, const std::string& path, std::vector<Node>& nodes, std::set<std::string>& valued) {
  Node n{path, {}};
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (!sub->get_name().empty()) n.words.push_back(sub->get_name());
  for (const auto* opt : app.get_options()) {
    for (const auto& l : opt->get_lnames()) n.words.push_back("--" + l);
    for (const auto& s : opt->get_snames()) n.words.push_back("-" + s);
    if (opt->nonpositional() && opt->get_expected_max() > 0) {
      for (const auto& l : opt->get_lnames()) valued.insert("--" + l);
      for (const auto& s : opt->get_snames()) valued.insert("-" + s);
    }
  }
  nodes.push_back(std::move(n));
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (!sub->get_name().empty() && !sub->get_prefix_command()) collect(*sub, path + " " + sub->get_name(), nodes, valued);
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

Result<std::string> completionScript(const CLI::App& app, const std::string& shell) {
  if (shell != "bash" && shell != "zsh")
    return Error::badRequest(fmt::format("no completion for shell {:?}: use bash or zsh", shell));
  std::vector<Node> nodes;
  std::set<std::string> valued;
  collect(app, "", nodes, valued);
  std::vector<std::string> paths, cases;
  for (const auto& n : nodes) {
    if (!n.path.empty()) paths.push_back("\"" + n.path + "\"");
    cases.push_back(fmt::format("    \"{}\") words=\"{}\" ;;", n.path, join(n.words, " ")));
  }
  std::string script = shell == "zsh" ? "#compdef kwokctl\nautoload -U +X bashcompinit && bashcompinit\n\n" : "";
  script += fmt::format(R"SH(# {} completion for kwokctl; load it with: source <(kwokctl completion {})
_kwokctl() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  local path="" name="" i w words
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${{COMP_WORDS[i]}}"
    case "$w" in
      {})
        [[ "$w" == --name ]] && name="${{COMP_WORDS[i+1]}}"
        ((i++)); continue ;;
      --name=*) name="${{w#--name=}}"; continue ;;
      -*) continue ;;
    esac
    [[ "$path" == " kubectl" ]] && return 0
    case "$path $w" in
      {}) path="$path $w" ;;
    esac
  done
  case "$prev" in
    --name) COMPREPLY=($(compgen -W "$(command kwokctl get clusters 2>/dev/null)" -- "$cur")); return 0 ;;
    -o|--output) COMPREPLY=($(compgen -W "name wide yaml json key" -- "$cur")); return 0 ;;
    --format) COMPREPLY=($(compgen -W "etcd k8s" -- "$cur")); return 0 ;;
    --path|--kubeconfig|-c|--config) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
  esac
  case "$path" in
{}
    *) words="" ;;
  esac
  if [[ "$cur" != -* && ( "$path" == " logs" || "$path" == " port-forward" ) ]]; then
    words="$words $(command kwokctl ${{name:+--name "$name"}} get components -o name 2>/dev/null)"
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -F _kwokctl kwokctl
)SH",
                        shell, shell, join(std::vector<std::string>(valued.begin(), valued.end()), "|"),
                        join(paths, "|"), join(cases, "\n"));
  return script;
}

}  // namespace kwok::kwokctl
