// Storage for sandbox volumes: one StorageClass on the cluster's CSI driver and, where snapshots are on,
// its VolumeSnapshotClass.
import * as k8s from "@pulumi/kubernetes";
import { ResolvedSpec } from "../spec/defaults";
import { StorageFacts } from "./facts";

/** The external-snapshotter CRD files, relative to `storage.snapshotCrdSource`. */
export const SNAPSHOT_CRD_FILES = [
    "snapshot.storage.k8s.io_volumesnapshotclasses.yaml",
    "snapshot.storage.k8s.io_volumesnapshotcontents.yaml",
    "snapshot.storage.k8s.io_volumesnapshots.yaml",
];

export const storageClassName = (spec: ResolvedSpec) => `${spec.name}-volumes`;
export const snapshotClassName = (spec: ResolvedSpec) => `${spec.name}-snapshots`;

export function storageClassArgs(spec: ResolvedSpec, storage: StorageFacts): k8s.storage.v1.StorageClassArgs {
    return {
        metadata: { name: storageClassName(spec), labels: { "app.kubernetes.io/managed-by": "cloister" } },
        provisioner: storage.provisioner,
        parameters: storage.parameters,
        reclaimPolicy: spec.storage.reclaimPolicy,
        allowVolumeExpansion: spec.storage.allowVolumeExpansion,
        // Bind where the sandbox is scheduled, so the volume lands in the zone of its node.
        volumeBindingMode: "WaitForFirstConsumer",
    };
}

export function volumeSnapshotClassArgs(spec: ResolvedSpec, storage: StorageFacts): k8s.apiextensions.CustomResourceArgs {
    return {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshotClass",
        metadata: { name: snapshotClassName(spec), labels: { "app.kubernetes.io/managed-by": "cloister" } },
        driver: storage.snapshotDriver,
        // Snapshots are data: they follow the volumes' reclaim policy.
        deletionPolicy: spec.storage.reclaimPolicy,
        parameters: storage.snapshotParameters,
    };
}
