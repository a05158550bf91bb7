// Shell completion scripts for `emqx` and `emqx-relup`, made from their own option tables, so
// a new option is completed without touching this file. Pure text: the scripts are static (no
// call back into node on every Tab, which on a production node could hit a busy disk), and this
// module imports nothing, so the wrapper's one-file build carries it without yargs.
//
// One completion function is written in the subset of shell that bash and zsh read alike; bash
// calls it through `complete -F`, zsh through a small adapter that gives it bash's 0-based
// COMP_WORDS (ksharrays) and hands the result to compadd. An empty answer means "file names":
// every value we do not know better (a package, a directory, a host list) is at least a path.

export interface CompletionOption {
  /** `--out`, `-F`. */
  name: string;
  /** Takes a value (the next word, or `--name=value`). */
  value: boolean;
  /** The values to offer; none: file names. */
  choices?: readonly string[];
}

export interface CompletionCommand {
  name: string;
  options: readonly CompletionOption[];
  /** Words offered for its arguments; none: file names. */
  args?: readonly string[];
}

export interface CompletionSpec {
  prog: string;
  /** Options accepted before the command. */
  global: readonly CompletionOption[];
  commands: readonly CompletionCommand[];
}

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

// Every word goes into the script between single quotes or unquoted: only these characters.
const SAFE = /^[A-Za-z0-9_.,:%=+-]+$/;

function words(list: readonly string[]): string {
  for (const w of list) if (!SAFE.test(w)) throw new Error(`completion: unsafe word ${JSON.stringify(w)}`);
  return list.join(' ');
}

const valued = (opts: readonly CompletionOption[]): string => words(opts.filter((o) => o.value).map((o) => o.name));

function fnName(prog: string): string {
  return `__${prog.replace(/[^A-Za-z0-9]/g, '_')}_complete`;
}

/** The function both shells run: reads COMP_WORDS/COMP_CWORD, fills COMPREPLY. */
function body(spec: CompletionSpec): string {
  const fn = fnName(spec.prog);
  const cmdCase = spec.commands
    .map((c) => `    ${c.name}) opts='${words(c.options.map((o) => o.name))}'; vals='${valued(c.options)}'; args='${words(c.args ?? [])}' ;;`)
    .join('\n');
  const choices = [...spec.global, ...spec.commands.flatMap((c) => c.options)].filter((o) => o.choices && o.choices.length > 0);
  const seen = new Set<string>();
  const choiceCase = choices
    .filter((o) => !seen.has(o.name) && seen.add(o.name))
    .map((o) => `      ${o.name}) list='${words(o.choices!)}' ;;`)
    .join('\n');
  return `${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} opt='' pre='' cmd='' list='' w i=1
  local gvals='${valued(spec.global)}' opts='' vals='' args=''
  COMPREPLY=()
  # The option whose value is being completed: --opt=value as one word (zsh), or split at the
  # '=' (bash's COMP_WORDBREAKS), or an option as the previous word.
  if [[ $cur == --*=* ]]; then
    opt=\${cur%%=*}; pre="$opt="; cur=\${cur#*=}
  elif [[ $cur == '=' ]]; then
    opt=\${COMP_WORDS[COMP_CWORD-1]}; cur=''
  elif (( COMP_CWORD > 1 )) && [[ \${COMP_WORDS[COMP_CWORD-1]} == '=' ]]; then
    opt=\${COMP_WORDS[COMP_CWORD-2]}
  elif (( COMP_CWORD > 1 )); then
    opt=\${COMP_WORDS[COMP_CWORD-1]}
  fi
  # The command: the first word that is neither an option nor an option's value.
  while (( i < COMP_CWORD )); do
    w=\${COMP_WORDS[i]}
    case $w in
      --) return 0 ;;
      -*)
        if [[ \${COMP_WORDS[i+1]} == '=' ]]; then i=$((i + 2))
        elif [[ " $gvals " == *" $w "* ]]; then i=$((i + 1))
        fi ;;
      *) cmd=$w; break ;;
    esac
    i=$((i + 1))
  done
  case $cmd in
    '') opts='${words(spec.global.map((o) => o.name))}'; vals=$gvals ;;
${cmdCase}
    *) return 0 ;;
  esac
  if [[ -n $opt && " $vals " == *" $opt "* ]]; then
    case $opt in
${choiceCase || "      '') ;;"}
    esac
  elif [[ -n $pre ]]; then
    return 0
  elif [[ $cur == -* ]]; then
    list=$opts
  elif [[ -z $cmd ]]; then
    list='${words(spec.commands.map((c) => c.name))}'
  else
    list=$args
  fi
  for w in $list; do
    [[ $w == "$cur"* ]] && COMPREPLY+=("$pre$w")
  done
  return 0
}
`;
}

export function completionScript(spec: CompletionSpec, shell: Shell): string {
  const fn = fnName(spec.prog);
  const head = `# ${shell} completion for ${spec.prog}, printed by '${spec.prog} completion ${shell}'.\n`;
  if (shell === 'bash') {
    return `${head}# Load it with: source <(${spec.prog} completion bash)   (e.g. in ~/.bashrc)\n${body(spec)}complete -o default -F ${fn} ${spec.prog}\n`;
  }
  return `${head}# Load it with: source <(${spec.prog} completion zsh)   (e.g. in ~/.zshrc)
${body(spec)}${fn}_zsh() {
  emulate -L zsh
  setopt ksharrays shwordsplit
  local -a COMP_WORDS COMPREPLY
  local COMP_CWORD=$((CURRENT - 1))
  COMP_WORDS=("\${words[@]}")
  ${fn}
  if (( \${#COMPREPLY[@]} )); then
    compadd -Q -- "\${COMPREPLY[@]}"
  else
    compset -P '*='
    _files
  fi
}
(( $+functions[compdef] )) || { autoload -Uz compinit && compinit; }
compdef ${fn}_zsh ${spec.prog}
`;
}

/** `completion [bash|zsh]`: the shell asked for, else the login shell's if it is one of ours. */
export function pickShell(args: readonly string[], env: NodeJS.ProcessEnv): Shell | { error: string } {
  if (args.length > 1) return { error: `completion takes one shell, got ${args.length} words` };
  const asked = args[0] ?? (env.SHELL ?? '').split('/').pop() ?? '';
  if ((SHELLS as readonly string[]).includes(asked)) return asked as Shell;
  return { error: args[0] === undefined ? `cannot tell the shell from SHELL=${JSON.stringify(env.SHELL ?? '')}; name it: bash or zsh` : `no completion for ${JSON.stringify(asked)}: bash or zsh` };
}
