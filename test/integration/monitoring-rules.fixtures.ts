// promtool unit tests of the chart's alerts, rendered with fullnameOverride=mtopo in namespace mtopo-system
// (job "mtopo-metrics") and the extra alert label team=platform. Series are per minute from t=0.
const job = 'mtopo-metrics';
const series = (name: string, labels: Record<string, string>, values: string): { series: string; values: string } => ({
  series: `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`,
  values,
});
const topology = { job, namespace: 'team-a', name: 'prod' };
const controller = { job, namespace: 'mtopo-system', controller: 'monitoringtopology' };
const alertLabels = { severity: 'warning', team: 'platform' };

export const PROMTOOL_TESTS = {
  rule_files: ['rules.yaml'],
  evaluation_interval: '1m',
  tests: [
    {
      name: 'failing machines, sustained for failingFor, in this release only',
      interval: '1m',
      input_series: [
        series('monitoringtopology_instances', { ...topology, state: 'failing' }, '0 0 2x60'),
        series('monitoringtopology_instances', { ...topology, job: 'other-metrics', state: 'failing' }, '5x60'),
      ],
      alert_rule_test: [
        { eval_time: '20m', alertname: 'AmplsTopologyMachinesFailing', exp_alerts: [] },
        {
          eval_time: '40m',
          alertname: 'AmplsTopologyMachinesFailing',
          exp_alerts: [
            {
              exp_labels: { ...alertLabels, namespace: 'team-a', name: 'prod' },
              exp_annotations: {
                summary: 'Machines of a MonitoringTopology are failing.',
                description: '2 machines of MonitoringTopology team-a/prod have been failing for 30m; its status findings say why.',
              },
            },
          ],
        },
      ],
    },
    {
      name: 'a third of reconciles failing from minute 21',
      interval: '1m',
      input_series: [
        series('controller_runtime_reconcile_total', { ...controller, result: 'success' }, '0+10x60'),
        series('controller_runtime_reconcile_total', { ...controller, result: 'error' }, '0x20 5+5x40'),
        series('controller_runtime_reconcile_errors_total', controller, '0x20 5+5x40'),
      ],
      alert_rule_test: [
        { eval_time: '20m', alertname: 'AmplsTopologyReconcileErrors', exp_alerts: [] },
        {
          eval_time: '50m',
          alertname: 'AmplsTopologyReconcileErrors',
          exp_alerts: [
            {
              exp_labels: { ...alertLabels, namespace: 'mtopo-system' },
              exp_annotations: {
                summary: 'Reconciles of MonitoringTopology objects keep failing.',
                description: "33.33% of reconciles in namespace mtopo-system failed over 15 minutes; the controller's warn logs name the topology and the error.",
              },
            },
          ],
        },
      ],
    },
    {
      name: 'ARM throttling from minute 11',
      interval: '1m',
      input_series: [
        series('azure_arm_requests_total', { job, namespace: 'mtopo-system', operation: 'virtualMachines.list', method: 'GET', status: '200' }, '0+20x60'),
        series('azure_arm_requests_total', { job, namespace: 'mtopo-system', operation: 'virtualMachines.list', method: 'GET', status: '429' }, '0x10 1+1x50'),
      ],
      alert_rule_test: [
        { eval_time: '20m', alertname: 'AmplsTopologyArmThrottled', exp_alerts: [] },
        {
          eval_time: '40m',
          alertname: 'AmplsTopologyArmThrottled',
          exp_alerts: [
            {
              exp_labels: { ...alertLabels, namespace: 'mtopo-system' },
              exp_annotations: {
                summary: 'Azure Resource Manager is throttling the controller.',
                description:
                  "Azure Resource Manager has kept answering 429 for 15m to the controller in mtopo-system; lower its ARM budgets (azure.budgets) or leave it more of the subscription's quota.",
              },
            },
          ],
        },
      ],
    },
    {
      name: 'a topology last reconciled at minute 10 with a 5m resync interval',
      interval: '1m',
      input_series: [
        series('monitoringtopology_last_reconcile_timestamp_seconds', topology, '0+60x10 600x50'),
        series('monitoringtopology_resync_interval_seconds', topology, '300x60'),
        // Another topology reconciled every minute never alerts.
        series('monitoringtopology_last_reconcile_timestamp_seconds', { ...topology, name: 'fresh' }, '0+60x60'),
        series('monitoringtopology_resync_interval_seconds', { ...topology, name: 'fresh' }, '300x60'),
      ],
      alert_rule_test: [
        { eval_time: '18m', alertname: 'AmplsTopologyNotReconciled', exp_alerts: [] },
        {
          eval_time: '40m',
          alertname: 'AmplsTopologyNotReconciled',
          exp_alerts: [
            {
              exp_labels: { ...alertLabels, namespace: 'team-a', name: 'prod' },
              exp_annotations: {
                summary: 'A MonitoringTopology has not been reconciled for twice its resync interval.',
                description: 'MonitoringTopology team-a/prod last observed Azure 30m 0s ago, more than twice its resync interval.',
              },
            },
          ],
        },
      ],
    },
    {
      name: 'the only replica stops answering scrapes at minute 11',
      interval: '1m',
      input_series: [series('up', { job, namespace: 'mtopo-system', instance: '10.0.0.1:8080' }, '1x10 0x50')],
      alert_rule_test: [
        { eval_time: '8m', alertname: 'AmplsTopologyControllerDown', exp_alerts: [] },
        {
          eval_time: '30m',
          alertname: 'AmplsTopologyControllerDown',
          exp_alerts: [
            {
              exp_labels: { severity: 'critical', team: 'platform' },
              exp_annotations: {
                summary: 'No ampls-topology-controller replica can be scraped.',
                description: 'Prometheus has scraped no replica of mtopo-metrics in namespace mtopo-system for 5 minutes.',
              },
            },
          ],
        },
      ],
    },
    {
      name: 'one of two replicas not ready from minute 11',
      interval: '1m',
      input_series: [
        series('kube_deployment_status_replicas_available', { namespace: 'mtopo-system', deployment: 'mtopo' }, '2x10 1x50'),
        series('kube_deployment_spec_replicas', { namespace: 'mtopo-system', deployment: 'mtopo' }, '2x60'),
      ],
      alert_rule_test: [
        { eval_time: '20m', alertname: 'AmplsTopologyControllerNotReady', exp_alerts: [] },
        {
          eval_time: '40m',
          alertname: 'AmplsTopologyControllerNotReady',
          exp_alerts: [
            {
              exp_labels: { ...alertLabels, namespace: 'mtopo-system', deployment: 'mtopo' },
              exp_annotations: {
                summary: 'Replicas of the controller are not ready.',
                description:
                  'mtopo-system/mtopo has had fewer ready replicas than desired for 15 minutes; /readyz fails until its informer cache syncs with the API server.',
              },
            },
          ],
        },
      ],
    },
  ],
};
