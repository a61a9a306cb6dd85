#include "expr/gotpl/node.h"

namespace kwok::gotpl {
namespace {

void write(std::string& out, const Node& n);

void writeList(std::string& out, const ListNode* l) {
  if (l)
    for (const auto& n : l->nodes) write(out, *n);
}

void writePipe(std::string& out, const PipeNode& p) {
  for (std::size_t i = 0; i < p.decl.size(); ++i) {
    if (i > 0) out += ", ";
    out += p.decl[i];
  }
  if (!p.decl.empty()) out += p.isAssign ? " = " : " := ";
  for (std::size_t i = 0; i < p.cmds.size(); ++i) {
    if (i > 0) out += " | ";
    write(out, *p.cmds[i]);
  }
}

void writeIdents(std::string& out, const std::vector<std::string_view>& idents, bool leadingDot) {
  for (std::size_t i = 0; i < idents.size(); ++i) {
    if (i > 0 || leadingDot) out += '.';
    out += idents[i];
  }
}

void write(std::string& out, const Node& n) {
  switch (n.type) {
    case NodeType::List:
      writeList(out, static_cast<const ListNode*>(&n));
      break;
    case NodeType::Text:
      out += static_cast<const TextNode&>(n).text;
      break;
    case NodeType::Action:
      out += "{{";
      writePipe(out, *static_cast<const ActionNode&>(n).pipe);
      out += "}}";
      break;
    case NodeType::If:
    case NodeType::Range:
    case NodeType::With: {
      const auto& b = static_cast<const BranchNode&>(n);
      out += n.type == NodeType::If ? "{{if " : n.type == NodeType::Range ? "{{range " : "{{with ";
      writePipe(out, *b.pipe);
      out += "}}";
      writeList(out, b.list.get());
      if (b.elseList) {
        out += "{{else}}";
        writeList(out, b.elseList.get());
      }
      out += "{{end}}";
      break;
    }
    case NodeType::Template: {
      const auto& t = static_cast<const TemplateNode&>(n);
      out += "{{template \"";
      out += t.name;
      out += '"';
      if (t.pipe) {
        out += ' ';
        writePipe(out, *t.pipe);
      }
      out += "}}";
      break;
    }
    case NodeType::Break:
      out += "{{break}}";
      break;
    case NodeType::Continue:
      out += "{{continue}}";
      break;
    case NodeType::End:
      out += "{{end}}";
      break;
    case NodeType::Else:
      out += "{{else}}";
      break;
    case NodeType::Pipe:
      writePipe(out, static_cast<const PipeNode&>(n));
      break;
    case NodeType::Command: {
      const auto& c = static_cast<const CommandNode&>(n);
      for (std::size_t i = 0; i < c.args.size(); ++i) {
        if (i > 0) out += ' ';
        if (c.args[i]->type == NodeType::Pipe) {
          out += '(';
          write(out, *c.args[i]);
          out += ')';
        } else {
          write(out, *c.args[i]);
        }
      }
      break;
    }
    case NodeType::Field:
      writeIdents(out, static_cast<const FieldNode&>(n).idents, true);
      break;
    case NodeType::Variable:
      writeIdents(out, static_cast<const VariableNode&>(n).idents, false);
      break;
    case NodeType::Chain: {
      const auto& c = static_cast<const ChainNode&>(n);
      if (c.node->type == NodeType::Pipe) {
        out += '(';
        write(out, *c.node);
        out += ')';
      } else {
        write(out, *c.node);
      }
      writeIdents(out, c.fields, true);
      break;
    }
    case NodeType::Identifier:
      out += static_cast<const IdentifierNode&>(n).name;
      break;
    case NodeType::Dot:
      out += '.';
      break;
    case NodeType::Nil:
      out += "nil";
      break;
    case NodeType::Bool:
      out += static_cast<const BoolNode&>(n).value ? "true" : "false";
      break;
    case NodeType::Number:
      out += static_cast<const NumberNode&>(n).text;
      break;
    case NodeType::String:
      out += static_cast<const StringNode&>(n).quoted;
      break;
  }
}

}  // namespace

std::string toString(const Node& n) {
  std::string out;
  write(out, n);
  return out;
}

}  // namespace kwok::gotpl
