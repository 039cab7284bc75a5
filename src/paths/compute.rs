//! "Runs as a managed identity": which ARM permissions let someone run their own code inside a resource,
//! and so obtain tokens for the identities attached to it.
//!
//! Each resource type names one or more ways in; each way names the actions that together give code
//! execution. They are evaluated by kvaccess's own evaluator (role definitions, wildcards, NotActions, deny
//! assignments, conditions, missing data), not by a list of role GUIDs: a custom role with
//! `Microsoft.Compute/virtualMachines/runCommand/action` counts as much as Virtual Machine Contributor.
//!
//! Role facts checked against Microsoft's "Azure built-in roles" reference: Virtual Machine Contributor
//! holds `virtualMachines/*` (Run Command included); the VM login roles hold the data actions
//! `virtualMachines/login/action` (and `loginAsAdmin/action`); Azure Kubernetes Service Contributor Role
//! holds only `managedClusters/read` and `write`, **not** `runCommand/action` (Cluster Admin Role does).

/// One way to run code in a resource: all of `actions` must be held.
pub struct Way {
    pub actions: &'static [&'static str],
    /// The actions are data actions (sign-in to a VM), not management ones.
    pub data: bool,
    /// How that code gets a token.
    pub how: &'static str,
    /// Why the hop is only `conditional`: a fact the snapshot does not hold.
    pub unless: Option<&'static str>,
}

/// Whose tokens code run in the resource obtains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The resource's own system- and user-assigned identities.
    Attached,
    /// An AKS cluster's kubelet identity: code in the cluster runs on its nodes. The cluster's own
    /// (control-plane) identity is used by AKS itself and is not reachable from inside the cluster.
    Kubelet,
}

/// One resource type that runs code as its identities.
pub struct Host {
    /// ARM `type`, lower-cased.
    pub kind: &'static str,
    /// Words for explanations.
    pub noun: &'static str,
    /// Updating the resource (attaching a user-assigned identity to it is such an update).
    pub write: &'static str,
    pub ways: &'static [Way],
    pub reach: Reach,
}

pub const HOSTS: &[Host] = &[
    Host {
        kind: "microsoft.compute/virtualmachines",
        noun: "virtual machine",
        write: "Microsoft.Compute/virtualMachines/write",
        ways: &[
            Way {
                actions: &["Microsoft.Compute/virtualMachines/runCommand/action"],
                data: false,
                how: "Run Command executes a script on the VM, which asks the instance metadata endpoint for a token",
                unless: None,
            },
            Way {
                actions: &["Microsoft.Compute/virtualMachines/login/action"],
                data: true,
                how: "signs in to the VM with its Entra account (Virtual Machine User or Administrator Login); any code on the VM can ask the instance metadata endpoint for its identities' tokens",
                unless: Some(
                    "only if the VM has the Entra ID login extension and the caller can reach its SSH or RDP port, which the snapshot does not record",
                ),
            },
        ],
        reach: Reach::Attached,
    },
    Host {
        kind: "microsoft.compute/virtualmachinescalesets",
        noun: "scale set",
        write: "Microsoft.Compute/virtualMachineScaleSets/write",
        ways: &[Way {
            actions: &["Microsoft.Compute/virtualMachineScaleSets/extensions/write"],
            data: false,
            how: "a custom script extension runs on every instance, which asks the instance metadata endpoint for a token",
            unless: None,
        }],
        reach: Reach::Attached,
    },
    Host {
        kind: "microsoft.web/sites",
        noun: "web or function app",
        write: "Microsoft.Web/sites/write",
        ways: &[Way {
            actions: &["Microsoft.Web/sites/write"],
            data: false,
            how: "deployed code or the Kudu console runs in the app and reads its identity endpoint",
            unless: None,
        }],
        reach: Reach::Attached,
    },
    Host {
        kind: "microsoft.automation/automationaccounts",
        noun: "automation account",
        write: "Microsoft.Automation/automationAccounts/write",
        ways: &[Way {
            actions: &[
                "Microsoft.Automation/automationAccounts/runbooks/write",
                "Microsoft.Automation/automationAccounts/jobs/write",
            ],
            data: false,
            how: "a new runbook job runs as the account's identity",
            unless: None,
        }],
        reach: Reach::Attached,
    },
    Host {
        kind: "microsoft.logic/workflows",
        noun: "logic app",
        write: "Microsoft.Logic/workflows/write",
        ways: &[Way {
            actions: &["Microsoft.Logic/workflows/write"],
            data: false,
            how: "a workflow step calls any resource with the workflow's identity",
            unless: None,
        }],
        reach: Reach::Attached,
    },
    Host {
        kind: "microsoft.containerservice/managedclusters",
        noun: "AKS cluster",
        write: "Microsoft.ContainerService/managedClusters/write",
        ways: &[
            Way {
                actions: &["Microsoft.ContainerService/managedClusters/runCommand/action"],
                data: false,
                how: "run command starts a pod with cluster-admin rights, which can run on a node and ask the node's instance metadata endpoint for the kubelet identity's token",
                unless: None,
            },
            Way {
                actions: &[
                    "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
                ],
                data: false,
                how: "the cluster-admin kubeconfig lets it schedule a pod on a node, which asks the node's instance metadata endpoint for the kubelet identity's token",
                unless: Some(
                    "only if the cluster's local accounts are enabled, which the snapshot does not record",
                ),
            },
        ],
        reach: Reach::Kubelet,
    },
    Host {
        kind: "microsoft.containerregistry/registries",
        noun: "container registry",
        write: "Microsoft.ContainerRegistry/registries/write",
        ways: &[Way {
            actions: &[
                "Microsoft.ContainerRegistry/registries/tasks/write",
                "Microsoft.ContainerRegistry/registries/scheduleRun/action",
            ],
            data: false,
            how: "a registry task runs as the registry's identity",
            unless: None,
        }],
        reach: Reach::Attached,
    },
];

/// ARM type of a virtual machine, lower-cased.
pub const VIRTUAL_MACHINE_KIND: &str = "microsoft.compute/virtualmachines";

/// ARM type of a user-assigned identity, lower-cased.
pub const USER_ASSIGNED_KIND: &str = "microsoft.managedidentity/userassignedidentities";

/// Attaching a user-assigned identity to a resource (checked at the identity).
pub const ASSIGN_IDENTITY: &str =
    "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action";

/// Adding a federated identity credential to a user-assigned identity.
pub const WRITE_FEDERATED: &str =
    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write";

pub fn host(kind: &str) -> Option<&'static Host> {
    HOSTS.iter().find(|h| h.kind.eq_ignore_ascii_case(kind))
}
