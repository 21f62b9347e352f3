{{/* Chart name, truncated to the 63 characters a label allows. */}}
{{- define "mtopo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mtopo.fullname" -}}
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

{{- define "mtopo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mtopo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mtopo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "mtopo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: controller
app.kubernetes.io/part-of: ampls-topology-controller
{{- end }}

{{- define "mtopo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mtopo.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "mtopo.leaseName" -}}
{{- default (printf "%s.monitoring.ampls.dev" (include "mtopo.fullname" .)) .Values.leaderElection.id }}
{{- end }}

{{- define "mtopo.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The permissions on MonitoringTopology objects and events, shared by the ClusterRole and the per-namespace Roles. */}}
{{- define "mtopo.topologyRules" -}}
# Exactly what the controller calls (test/integration/rbac.test.ts runs it with these and nothing more):
# list+watch (informer), patch (its finalizer, a merge patch with resourceVersion), status patch, event create.
- apiGroups: ["monitoring.ampls.dev"]
  resources: ["monitoringtopologies"]
  verbs: ["list", "watch", "patch"]
- apiGroups: ["monitoring.ampls.dev"]
  resources: ["monitoringtopologies/status"]
  verbs: ["patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end }}

{{/* V8's old-space limit in MiB: memoryTuning.heapPercent of the container's memory limit (the rest is the binary,
malloc's arenas, the young generation and stacks), when the limit is written in Mi or Gi; empty otherwise, leaving
Node's own default. */}}
{{- define "mtopo.maxOldSpaceMiB" -}}
{{- $limit := "" }}
{{- $percent := int ((.Values.memoryTuning | default dict).heapPercent | default 50) }}
{{- with .Values.resources }}{{- with .limits }}{{- $limit = toString (.memory | default "") }}{{- end }}{{- end }}
{{- if regexMatch "^[0-9]+Mi$" $limit }}
{{- div (mul (trimSuffix "Mi" $limit | atoi) $percent) 100 }}
{{- else if regexMatch "^[0-9]+Gi$" $limit }}
{{- div (mul (trimSuffix "Gi" $limit | atoi) (mul 1024 $percent)) 100 }}
{{- end }}
{{- end }}
