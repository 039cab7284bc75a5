//! "Runs as a managed identity": which ARM permissions let someone run their own code inside a resource,
//! and so obtain tokens for the identities attached to it.
//!
//! Each resource type names the management actions that give code execution; all of them must be held.
//! They are evaluated by kvaccess's own evaluator (role definitions, wildcards, NotActions, deny
//! assignments, conditions, missing data), not by a list of role GUIDs: a custom role with
//! `Microsoft.Compute/virtualMachines/runCommand/action` counts as much as Virtual Machine Contributor.

/// One resource type that runs code as its identities.
pub struct Host {
    /// ARM `type`, lower-cased.
    pub kind: &'static str,
    /// Words for explanations.
    pub noun: &'static str,
    /// Actions that together let a caller run code as the resource.
    pub actions: &'static [&'static str],
    /// How that code gets a token.
    pub how: &'static str,
}

pub const HOSTS: &[Host] = &[
    Host {
        kind: "microsoft.compute/virtualmachines",
        noun: "virtual machine",
        actions: &["Microsoft.Compute/virtualMachines/runCommand/action"],
        how: "Run Command executes a script on the VM, which asks the instance metadata endpoint for a token",
    },
    Host {
        kind: "microsoft.compute/virtualmachinescalesets",
        noun: "scale set",
        actions: &["Microsoft.Compute/virtualMachineScaleSets/extensions/write"],
        how: "a custom script extension runs on every instance, which asks the instance metadata endpoint for a token",
    },
    Host {
        kind: "microsoft.web/sites",
        noun: "web or function app",
        actions: &["Microsoft.Web/sites/write"],
        how: "deployed code or the Kudu console runs in the app and reads its identity endpoint",
    },
    Host {
        kind: "microsoft.automation/automationaccounts",
        noun: "automation account",
        actions: &[
            "Microsoft.Automation/automationAccounts/runbooks/write",
            "Microsoft.Automation/automationAccounts/jobs/write",
        ],
        how: "a new runbook job runs as the account's identity",
    },
    Host {
        kind: "microsoft.logic/workflows",
        noun: "logic app",
        actions: &["Microsoft.Logic/workflows/write"],
        how: "a workflow step calls any resource with the workflow's identity",
    },
    Host {
        kind: "microsoft.containerservice/managedclusters",
        noun: "AKS cluster",
        actions: &["Microsoft.ContainerService/managedClusters/runCommand/action"],
        how: "run command executes in the cluster, whose identities it can use",
    },
    Host {
        kind: "microsoft.containerregistry/registries",
        noun: "container registry",
        actions: &[
            "Microsoft.ContainerRegistry/registries/tasks/write",
            "Microsoft.ContainerRegistry/registries/scheduleRun/action",
        ],
        how: "a registry task runs as the registry's identity",
    },
];

pub fn host(kind: &str) -> Option<&'static Host> {
    HOSTS.iter().find(|h| h.kind.eq_ignore_ascii_case(kind))
}
