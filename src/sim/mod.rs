//! The node simulator: a model of WSFC, SQL Server FCI, MSDTC and the BizTalk databases and
//! jobs, answering steps exactly as a Windows node would under the step contract.
