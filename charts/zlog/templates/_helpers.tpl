{{/* Names are cut at 63 characters: label values and most object names cannot be longer. */}}
{{- define "zlog.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "zlog.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The operator's objects: "<fullname>-operator", short enough for a Deployment's pod names. */}}
{{- define "zlog.operatorName" -}}
{{- printf "%s-operator" (include "zlog.fullname" . | trunc 54 | trimSuffix "-") -}}
{{- end -}}

{{- define "zlog.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: never change these between releases (a Deployment's selector is immutable). */}}
{{- define "zlog.selectorLabels" -}}
app.kubernetes.io/name: {{ include "zlog.name" . }}-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of the operator's own objects. */}}
{{- define "zlog.labels" -}}
{{ include "zlog.selectorLabels" . }}
{{ include "zlog.releaseLabels" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{/* What every object of the release carries, whatever its component. */}}
{{- define "zlog.releaseLabels" -}}
helm.sh/chart: {{ include "zlog.chart" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: zlog
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "zlog.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "zlog.operatorName" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "zlog.operatorImage" -}}
{{- $img := .Values.operator.image -}}
{{- if $img.digest -}}
{{- printf "%s@%s" $img.repository $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $img.repository (default .Chart.AppVersion $img.tag) -}}
{{- end -}}
{{- end -}}

{{/* Leader election: forced by operator.leaderElection.enabled, otherwise on exactly when there is more than one replica. */}}
{{- define "zlog.leaderElect" -}}
{{- $le := .Values.operator.leaderElection.enabled -}}
{{- if kindIs "bool" $le -}}
{{- $le -}}
{{- else -}}
{{- gt (int .Values.operator.replicas) 1 -}}
{{- end -}}
{{- end -}}
