{{/* Names and labels, the usual Helm way. */}}
{{- define "osprey.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "osprey.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "osprey.selectorLabels" -}}
app.kubernetes.io/name: {{ include "osprey.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "osprey.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "osprey.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "osprey.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "osprey.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image: an explicit tag wins; otherwise appVersion, with "-full" for the LibreOffice variant. */}}
{{- define "osprey.image" -}}
{{- $suffix := ternary "-full" "" (eq .Values.image.variant "full") }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default (printf "%s%s" .Chart.AppVersion $suffix)) }}
{{- end }}

{{- define "osprey.port" -}}
{{- .Values.config.server.port | default 8080 | int }}
{{- end }}

{{/* "true" when Osprey listens on loopback (sidecar): the kubelet cannot reach it, so probes exec. */}}
{{- define "osprey.loopback" -}}
{{- has (.Values.config.server.host | default "127.0.0.1") (list "127.0.0.1" "localhost" "::1") }}
{{- end }}

{{/* The Secret whose OSPREY_* keys become environment variables, or "" when there is none. */}}
{{- define "osprey.secretName" -}}
{{- $s := .Values.secret }}
{{- $inline := or $s.upstreamAccessKeyId $s.upstreamSecretAccessKey $s.clientAccessKeyId $s.clientSecretAccessKey }}
{{- if and $s.existingSecret $inline }}
{{- fail "secret: give either secret.existingSecret or the inline keys, not both" }}
{{- end }}
{{- if $s.existingSecret }}
{{- $s.existingSecret }}
{{- else if $inline }}
{{- include "osprey.fullname" . }}
{{- end }}
{{- end }}

{{/*
One TOML value. Strings are JSON-quoted, which is a valid TOML basic string; whole numbers are printed
without a fraction because Helm may hand values over as float64 and Osprey wants integers where it
says so; lists and tables are inline.
*/}}
{{- define "osprey.tomlValue" -}}
{{- if kindIs "string" . -}}
{{ toJson . }}
{{- else if kindIs "bool" . -}}
{{ . }}
{{- else if or (kindIs "float64" .) (kindIs "float32" .) -}}
{{- if eq (floor .) (float64 .) }}{{ int64 . }}{{ else }}{{ . }}{{ end -}}
{{- else if kindIs "slice" . -}}
[{{ range $i, $v := . }}{{ if $i }}, {{ end }}{{ include "osprey.tomlValue" $v }}{{ end }}]
{{- else if kindIs "map" . -}}
{{- $table := . -}}
{ {{- range $i, $k := keys $table | sortAlpha }}{{ if $i }}, {{ end }}{{ toJson $k }} = {{ include "osprey.tomlValue" (index $table $k) }}{{ end -}} }
{{- else -}}
{{ . }}
{{- end -}}
{{- end }}

{{/* osprey.toml from .Values.config: [server], [upstream], [cache], [limits], then [buckets.<name>]. */}}
{{- define "osprey.configToml" -}}
# Rendered by the osprey Helm chart from .Values.config. Secrets come from the environment.
{{- range $section := list "server" "upstream" "cache" "limits" }}
{{- $table := index $.Values.config $section | default dict }}
{{- if $table }}

[{{ $section }}]
{{- range $key := keys $table | sortAlpha }}
{{ $key }} = {{ include "osprey.tomlValue" (index $table $key) }}
{{- end }}
{{- end }}
{{- end }}
{{- $buckets := .Values.config.buckets | default dict }}
{{- range $name := keys $buckets | sortAlpha }}
{{- $bucket := index $buckets $name | default dict }}

[buckets.{{ toJson $name }}]
{{- range $key := keys $bucket | sortAlpha }}
{{- if ne $key "styles" }}
{{ $key }} = {{ include "osprey.tomlValue" (index $bucket $key) }}
{{- end }}
{{- end }}
{{- with $bucket.styles }}

[buckets.{{ toJson $name }}.styles]
{{- range $style := keys . | sortAlpha }}
{{ toJson $style }} = {{ include "osprey.tomlValue" (index $bucket.styles $style) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
