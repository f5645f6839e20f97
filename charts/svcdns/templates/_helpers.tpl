{{/* Names, labels and small computed values shared by the templates. */}}

{{- define "svcdns.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "svcdns.fullname" -}}
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

{{- define "svcdns.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: stable for the life of a release, never include k8s-app or versions. */}}
{{- define "svcdns.selectorLabels" -}}
app.kubernetes.io/name: {{ include "svcdns.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "svcdns.labels" -}}
helm.sh/chart: {{ include "svcdns.chart" . }}
{{ include "svcdns.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The k8s-app compatibility label, for the Service and the pods only. */}}
{{- define "svcdns.k8sAppLabel" -}}
{{- with .Values.k8sAppLabel -}}
k8s-app: {{ . | quote }}
{{- end -}}
{{- end -}}

{{- define "svcdns.serviceName" -}}
{{- default (include "svcdns.fullname" .) .Values.service.name -}}
{{- end -}}

{{- define "svcdns.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "svcdns.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "svcdns.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The config file svcdns reads; its hash is the pods' checksum/config annotation. */}}
{{- define "svcdns.configFile" -}}
{{ toYaml .Values.config }}
{{- end -}}

{{/* The cluster domain: the first configured zone that is not a reverse zone. */}}
{{- define "svcdns.clusterDomain" -}}
{{- $domain := "" -}}
{{- range .Values.config.zone -}}
{{- if and (not $domain) (not (hasSuffix "arpa" (trimSuffix "." .))) -}}
{{- $domain = trimSuffix "." . -}}
{{- end -}}
{{- end -}}
{{- default "cluster.local" $domain -}}
{{- end -}}

{{/*
config.lameduck in whole seconds, rounded up. Accepts the server's duration forms: "500ms",
"5s", "1m", "1m30s" or a bare number of seconds.
*/}}
{{- define "svcdns.lameduckSeconds" -}}
{{- $raw := toString (default "5s" .Values.config.lameduck) -}}
{{- if regexMatch "^[0-9]+$" $raw -}}
{{- $raw -}}
{{- else -}}
{{- $ms := 0 -}}
{{- range regexFindAll "[0-9]+(ms|s|m|h)" $raw -1 -}}
{{- $n := int (regexFind "^[0-9]+" .) -}}
{{- $unit := regexFind "(ms|s|m|h)$" . -}}
{{- if eq $unit "ms" -}}{{- $ms = add $ms $n -}}
{{- else if eq $unit "s" -}}{{- $ms = add $ms (mul $n 1000) -}}
{{- else if eq $unit "m" -}}{{- $ms = add $ms (mul $n 60000) -}}
{{- else -}}{{- $ms = add $ms (mul $n 3600000) -}}
{{- end -}}
{{- end -}}
{{- div (add $ms 999) 1000 -}}
{{- end -}}
{{- end -}}

{{/* Refuse value combinations that would deploy something broken. */}}
{{- define "svcdns.validate" -}}
{{- $lameduck := int (include "svcdns.lameduckSeconds" .) -}}
{{- if le (int .Values.terminationGracePeriodSeconds) $lameduck -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be greater than config.lameduck (%ds), or the kubelet kills svcdns while it is still draining" (int .Values.terminationGracePeriodSeconds) $lameduck) -}}
{{- end -}}
{{- if and (eq .Values.mode "daemonset") .Values.autoscaling.enabled -}}
{{- fail "autoscaling.enabled needs mode: deployment (a DaemonSet runs one pod per node)" -}}
{{- end -}}
{{- if and (eq .Values.dnsPolicy "None") (not .Values.dnsConfig) -}}
{{- fail "dnsPolicy: None needs dnsConfig (nameservers for the pod's own lookups)" -}}
{{- end -}}
{{- if and .Values.serviceMonitor.enabled (not (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1")) -}}
{{- fail "serviceMonitor.enabled needs the Prometheus Operator's monitoring.coreos.com/v1 API (with helm template, pass --api-versions monitoring.coreos.com/v1)" -}}
{{- end -}}
{{- end -}}

{{/* Cluster-scoped names carry the namespace so two releases of the same name cannot collide. */}}
{{- define "svcdns.clusterRoleName" -}}
{{- printf "%s-%s" .Release.Namespace (include "svcdns.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
