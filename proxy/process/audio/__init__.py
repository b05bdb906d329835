"""audio/* actions. Adding one is a module here with `apply(data, args, limits) -> Output`, its spec in
`proxy.grammar.audio` and its test; `proxy.process.media` runs the step and opens the source."""
