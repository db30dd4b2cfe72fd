{{- define "cw-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cw-exporter.fullname" -}}
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

{{- define "cw-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cw-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cw-exporter.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "cw-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "cw-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cw-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The config text the chart ships: the user's, or the bundled seed config. */}}
{{- define "cw-exporter.config" -}}
{{- if .Values.config }}{{ .Values.config }}{{ else }}{{ .Files.Get "files/config.yml" }}{{ end }}
{{- end }}

{{- define "cw-exporter.configMapName" -}}
{{- default (printf "%s-config" (include "cw-exporter.fullname" .)) .Values.configMapName }}
{{- end }}

{{/* Name of the Secret holding access_key/secret_key, chart-made or existing; empty if none. */}}
{{- define "cw-exporter.keySecretName" -}}
{{- if .Values.aws.secret.name }}{{ .Values.aws.secret.name }}
{{- else if .Values.aws.aws_access_key_id }}{{ include "cw-exporter.fullname" . }}-aws
{{- end }}
{{- end }}

{{/* Name of the Secret holding the Firehose access key, chart-made or existing. */}}
{{- define "cw-exporter.firehoseSecretName" -}}
{{- if .Values.firehose.accessKeySecret }}{{ .Values.firehose.accessKeySecret }}
{{- else if .Values.firehose.accessKey }}{{ include "cw-exporter.fullname" . }}-firehose
{{- else }}{{ fail "firehose.enabled needs firehose.accessKeySecret (an existing Secret with the key access-key) or firehose.accessKey" }}
{{- end }}
{{- end }}
