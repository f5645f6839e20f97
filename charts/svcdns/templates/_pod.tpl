{{/* The pod template shared by the Deployment and the DaemonSet. */}}
{{- define "svcdns.podTemplate" -}}
metadata:
  labels:
    {{- include "svcdns.selectorLabels" . | nindent 4 }}
    {{- with include "svcdns.k8sAppLabel" . }}{{ . | nindent 4 }}{{ end }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    # A changed config rolls the pods on upgrade even where the live reload cannot see it.
    checksum/config: {{ include "svcdns.configFile" . | sha256sum }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "svcdns.serviceAccountName" . }}
  # svcdns lists and watches the API with the service account token.
  automountServiceAccountToken: true
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  # Resolve through the node, never through svcdns itself.
  dnsPolicy: {{ .Values.dnsPolicy }}
  {{- with .Values.dnsConfig }}
  dnsConfig:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml .Values.podSecurityContext | nindent 4 }}
    {{- if lt (int .Values.ports.dns) 1024 }}
    # Lets the non-root process bind the privileged DNS port inside the pod's network namespace.
    sysctls:
      - name: net.ipv4.ip_unprivileged_port_start
        value: {{ .Values.ports.dns | quote }}
    {{- end }}
  containers:
    - name: svcdns
      image: {{ include "svcdns.image" . }}
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      # The image's entrypoint is node: its flags (as the image's CMD gives them), then the program.
      args:
        - --no-memory-reducer
        - /app/dist/main.js
        - --config=/etc/svcdns/config.yaml
        {{- range .Values.listenAddresses }}
        - {{ printf "--listen=%s:%d" . (int $.Values.ports.dns) | quote }}
        {{- end }}
        - {{ printf "--admin=0.0.0.0:%d" (int .Values.ports.admin) | quote }}
        - --pod-ip=$(POD_IP)
        {{- range .Values.extraArgs }}
        - {{ . | quote }}
        {{- end }}
      env:
        - name: POD_IP
          valueFrom:
            fieldRef:
              fieldPath: status.podIP
        {{- with .Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      ports:
        - name: dns
          containerPort: {{ .Values.ports.dns }}
          protocol: UDP
        - name: dns-tcp
          containerPort: {{ .Values.ports.dns }}
          protocol: TCP
        - name: admin
          containerPort: {{ .Values.ports.admin }}
          protocol: TCP
      {{- if .Values.livenessProbe.enabled }}
      # /health only says the process is alive; it never depends on the API server.
      livenessProbe:
        httpGet:
          path: /health
          port: admin
        {{- toYaml (omit .Values.livenessProbe "enabled") | nindent 8 }}
      {{- end }}
      {{- if .Values.readinessProbe.enabled }}
      # /ready is 503 until the first sync and during the lame-duck period after SIGTERM.
      readinessProbe:
        httpGet:
          path: /ready
          port: admin
        {{- toYaml (omit .Values.readinessProbe "enabled") | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml .Values.securityContext | nindent 8 }}
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      volumeMounts:
        # A directory mount, not subPath, so ConfigMap updates reach the running process.
        - name: config
          mountPath: /etc/svcdns
          readOnly: true
        - name: tmp
          mountPath: /tmp
        {{- with .Values.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "svcdns.fullname" . }}
    - name: tmp
      emptyDir:
        medium: Memory
        sizeLimit: {{ .Values.tmpSizeLimit }}
    {{- with .Values.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if eq .Values.mode "deployment" }}
  {{- $constraints := list }}
  {{- if .Values.topologySpread.enabled }}
  {{- range .Values.topologySpread.topologyKeys }}
  {{- $constraints = append $constraints (dict
        "maxSkew" $.Values.topologySpread.maxSkew
        "topologyKey" .
        "whenUnsatisfiable" $.Values.topologySpread.whenUnsatisfiable
        "labelSelector" (dict "matchLabels" (include "svcdns.selectorLabels" $ | fromYaml))
        "matchLabelKeys" (list "pod-template-hash")) }}
  {{- end }}
  {{- end }}
  {{- $constraints = concat $constraints .Values.extraTopologySpreadConstraints }}
  {{- with $constraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
{{- end -}}
