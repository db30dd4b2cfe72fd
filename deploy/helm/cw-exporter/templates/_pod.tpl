{{/* The pod template the Deployment and the sharded StatefulSet share. */}}
{{- define "cw-exporter.podTemplate" -}}
{{- $keySecret := include "cw-exporter.keySecretName" . -}}
metadata:
  annotations:
    {{- /* A changed config or chart-made Secret rolls the pods: the exporter also reloads
           on SIGHUP and POST /-/reload, but a mounted ConfigMap updates late and silently. */}}
    {{- if not .Values.configMapName }}
    checksum/config: {{ include "cw-exporter.config" . | sha256sum }}
    {{- end }}
    {{- if and .Values.aws.aws_access_key_id (not .Values.aws.secret.name) }}
    checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
    {{- end }}
    {{- if and .Values.firehose.enabled .Values.firehose.accessKey (not .Values.firehose.accessKeySecret) }}
    checksum/firehose-secret: {{ include (print $.Template.BasePath "/firehose-secret.yaml") . | sha256sum }}
    {{- end }}
    {{- range $k, $v := .Values.podAnnotations }}
    {{- if not (kindIs "invalid" $v) }}
    {{ $k }}: {{ $v | quote }}
    {{- end }}
    {{- end }}
  labels:
    {{- include "cw-exporter.selectorLabels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "cw-exporter.serviceAccountName" . }}
  automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with .Values.podSecurityContext }}
  securityContext:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: cw-exporter
      image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args:
        - --config.file=/etc/cw-exporter/{{ .Values.configFileName }}
        - --listen-address=:{{ .Values.containerPort }}
        {{- if .Values.sharding.enabled }}
        {{- /* The shard comes from the pod's ordinal (POD_NAME below): no Kubernetes API call. */}}
        - --total-shards={{ int .Values.sharding.shards }}
        {{- end }}
        {{- if .Values.firehose.enabled }}
        - --firehose.listen-address=:{{ .Values.firehose.port }}
        - --firehose.access-key-file=/var/run/secrets/firehose/access-key
        {{- if .Values.firehose.maxBodyBytes }}
        - --firehose.max-body-bytes={{ int64 .Values.firehose.maxBodyBytes }}
        {{- end }}
        {{- end }}
        {{- range $k, $v := .Values.extraArgs }}
        {{- if kindIs "bool" $v }}
        {{- if $v }}
        - --{{ $k }}
        {{- end }}
        {{- else if kindIs "slice" $v }}
        {{- range $v }}
        - {{ printf "--%s=%v" $k . | quote }}
        {{- end }}
        {{- else }}
        - {{ printf "--%s=%v" $k $v | quote }}
        {{- end }}
        {{- end }}
      ports:
        - name: http
          containerPort: {{ .Values.containerPort }}
          protocol: TCP
        {{- if .Values.firehose.enabled }}
        - name: firehose
          containerPort: {{ .Values.firehose.port }}
          protocol: TCP
        {{- end }}
      {{- $env := list }}
      {{- if .Values.sharding.enabled }}
      {{- $env = append $env (dict "name" "POD_NAME" "valueFrom" (dict "fieldRef" (dict "fieldPath" "metadata.name"))) }}
      {{- end }}
      {{- if $keySecret }}
      {{- $env = append $env (dict "name" "AWS_ACCESS_KEY_ID" "valueFrom" (dict "secretKeyRef" (dict "name" $keySecret "key" "access_key"))) }}
      {{- $env = append $env (dict "name" "AWS_SECRET_ACCESS_KEY" "valueFrom" (dict "secretKeyRef" (dict "name" $keySecret "key" "secret_key"))) }}
      {{- if .Values.aws.secret.includesSessionToken }}
      {{- $env = append $env (dict "name" "AWS_SESSION_TOKEN" "valueFrom" (dict "secretKeyRef" (dict "name" $keySecret "key" "security_token"))) }}
      {{- end }}
      {{- end }}
      {{- if .Values.aws.credentialsFileSecret }}
      {{- $env = append $env (dict "name" "AWS_SHARED_CREDENTIALS_FILE" "value" "/var/run/secrets/aws/credentials") }}
      {{- end }}
      {{- $env = concat $env .Values.extraEnv }}
      {{- with $env }}
      env:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.extraEnvFrom }}
      envFrom:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.livenessProbe }}
      livenessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.readinessProbe }}
      readinessProbe:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.securityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      volumeMounts:
        - name: config
          mountPath: /etc/cw-exporter
          readOnly: true
        {{- if .Values.aws.credentialsFileSecret }}
        - name: aws-credentials
          mountPath: /var/run/secrets/aws
          readOnly: true
        {{- end }}
        {{- if .Values.firehose.enabled }}
        - name: firehose-access-key
          mountPath: /var/run/secrets/firehose
          readOnly: true
        {{- end }}
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "cw-exporter.configMapName" . }}
    {{- if .Values.aws.credentialsFileSecret }}
    - name: aws-credentials
      secret:
        secretName: {{ .Values.aws.credentialsFileSecret }}
    {{- end }}
    {{- if .Values.firehose.enabled }}
    - name: firehose-access-key
      secret:
        secretName: {{ include "cw-exporter.firehoseSecretName" . }}
    {{- end }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
